"""Integrity checks of stored content and removal of orphaned objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.models import Akte, Dokument, DokumentVersion
from eakte.storage import DocumentStore, IntegrityMismatch, ObjectNotFound


@dataclass(frozen=True)
class ObjectProblem:
    """A stored object that is missing or no longer matches its recorded hash."""

    aktenzeichen: str
    document_id: str
    version: int
    key: str
    problem: str


def verify_objects(session: Session, store: DocumentStore, akte: Akte | None = None) -> Iterator[ObjectProblem]:
    """Re-read every object of one file (or all files) and compare it with its recorded SHA-256."""
    query = (
        select(DokumentVersion, Dokument.id, Akte.aktenzeichen)
        .join(Dokument, Dokument.id == DokumentVersion.dokument_id)
        .join(Akte, Akte.id == Dokument.akte_id)
        .where(DokumentVersion.destroyed_at.is_(None))
        .order_by(Akte.aktenzeichen, Dokument.created_at, DokumentVersion.version)
    )
    if akte is not None:
        query = query.where(Akte.id == akte.id)
    for version, document_id, aktenzeichen in session.execute(query):
        keys = [("original", version.storage_key)]
        if version.rendition_key:
            keys.append(("rendition", version.rendition_key))
        for label, key in keys:
            problem = _check_object(store, key)
            if problem:
                yield ObjectProblem(aktenzeichen, document_id, version.version, key, f"{label} {problem}")


def _check_object(store: DocumentStore, key: str) -> str | None:
    try:
        for _chunk in store.open(key):  # the store re-hashes while streaming
            pass
    except ObjectNotFound:
        return "is missing"
    except IntegrityMismatch:
        return "was altered (SHA-256 differs)"
    return None


def sweep_orphans(session: Session, store: DocumentStore, *, now: datetime, grace: timedelta) -> list[str]:
    """Delete objects that no document version references and that are older than ``grace``.

    Objects are written before their rows are committed, so a young object
    without a row may belong to a transaction still in flight: the grace
    period must be longer than any transaction.
    """
    referenced: set[str] = set()
    for key, rendition in session.execute(select(DokumentVersion.storage_key, DokumentVersion.rendition_key)):
        referenced.add(key)
        if rendition:
            referenced.add(rendition)
    removed = []
    for info in store.iter_objects():
        if info.key not in referenced and info.modified_at < now - grace:
            store.delete(info.key)
            removed.append(info.key)
    return removed
