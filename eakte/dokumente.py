"""Documents of a file: store new documents and versions, read content.

Write order (crash-safe): the content is put to the document store in a
worker thread; meanwhile its hash gives the content-addressed key, and the
rows and the audit event are added to the caller's transaction. The service
returns only after the put has finished, so the object is durable before the
caller can commit. Content-addressed, a retry writes nothing new. If the
process dies before the commit (whether the put was done or not), no row
points at the object, and the sweeper removes it after a grace period as an
orphan. If the store is down, StorageUnavailable aborts the transaction and
no row ever points at a missing object.
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit, renditions
from eakte.akten import ensure_writable
from eakte.errors import AccessDenied, EakteError, NotFound
from eakte.intake import CheckedContent
from eakte.models import Akte, Dokument, DokumentVersion, Vorgang
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS
from eakte.models.dokument import DIRECTIONS, DOCUMENT_TYPES
from eakte.storage import DocumentStore, IntegrityMismatch, StoredObject, key_for


_PUT_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="eakte-put")
"""Threads that put content to the store while the caller writes the rows (started on first use)."""


def _stream_of(vorgang: Vorgang) -> str:
    return audit.case_stream(vorgang.case_id) if vorgang.case_id else f"akte/{vorgang.akte_id}"


def store_document(
    session: Session,
    store: DocumentStore,
    vorgang: Vorgang,
    content: CheckedContent,
    *,
    subject: str,
    doc_type: str,
    direction: str,
    actor: str | None,
    now: datetime,
    author: str | None = None,
    task_id: str | None = None,
    task_name: str | None = None,
    confidentiality: str | None = None,
    rendition_recipe: dict | None = None,
) -> DokumentVersion:
    """File new content as version 1 of a new document in ``vorgang``.

    With a ``rendition_recipe`` (eakte/renditions.py) the version's rendition
    is made later: it is pending until then.
    """
    akte = session.get(Akte, vorgang.akte_id)
    ensure_writable(akte)
    if doc_type not in DOCUMENT_TYPES:
        raise EakteError(f"unknown document type '{doc_type}' (allowed: {', '.join(DOCUMENT_TYPES)})")
    if direction not in DIRECTIONS:
        raise EakteError(f"direction must be one of {', '.join(DIRECTIONS)}")
    level = confidentiality or akte.confidentiality
    if level not in CONFIDENTIALITY_LEVELS:
        raise EakteError(f"confidentiality must be one of {', '.join(CONFIDENTIALITY_LEVELS)}")
    dokument = Dokument(
        akte_id=akte.id, vorgang_id=vorgang.id, subject=subject[:500], doc_type=doc_type, direction=direction,
        received_at=now if direction == "incoming" else None, sent_at=now if direction == "outgoing" else None,
        author=author or actor, confidentiality=level, task_id=task_id, task_name=task_name, created_at=now,
        current_version=0,
    )
    session.add(dokument)
    return _add_version(session, store, akte, vorgang, dokument, content, actor=actor, now=now,
                        rendition_recipe=rendition_recipe)


def add_version(
    session: Session, store: DocumentStore, dokument: Dokument, content: CheckedContent, *, actor: str, now: datetime
) -> DokumentVersion:
    """File new content as the next version of an existing document (nothing is overwritten)."""
    akte = session.get(Akte, dokument.akte_id)
    ensure_writable(akte)
    return _add_version(session, store, akte, session.get(Vorgang, dokument.vorgang_id), dokument, content,
                        actor=actor, now=now)


def _add_version(session, store, akte, vorgang, dokument, content: CheckedContent, *, actor, now,
                 rendition_recipe: dict | None = None) -> DokumentVersion:
    parts = [(content.data, content.media_type)]
    if content.rendition is not None:
        parts.append((content.rendition, content.rendition_media_type or content.media_type))
    with _storing_meanwhile(store, parts) as (stored, *stored_rendition):
        rendition = stored_rendition[0] if stored_rendition else None
        dokument.current_version += 1
        version = DokumentVersion(
            dokument=dokument, version=dokument.current_version, filename=content.filename,
            media_type=content.media_type, size=stored.size, sha256=stored.sha256, storage_key=stored.key,
            rendition_key=rendition.key if rendition else None,
            rendition_sha256=rendition.sha256 if rendition else None,
            rendition_media_type=(content.rendition_media_type or content.media_type) if rendition else None,
            findings=list(content.findings), created_at=now, created_by=actor,
            rendition_recipe=rendition_recipe if rendition is None else None,
        )
        session.add(version)
        session.flush()
        audit.record(
            session, _stream_of(vorgang), "document.stored", actor=actor, authority_id=akte.authority_id,
            case_id=vorgang.case_id,
            data={"document_id": dokument.id, "version": version.version, "subject": dokument.subject,
                  "type": dokument.doc_type, "direction": dokument.direction, "filename": version.filename,
                  "media_type": version.media_type, "size": version.size, "sha256": version.sha256,
                  "task_id": dokument.task_id, "findings": version.findings},
        )
    return version


@contextmanager
def _storing_meanwhile(store: DocumentStore, parts: list[tuple[bytes, str]]) -> Iterator[list[StoredObject]]:
    """Put each ``(data, media type)`` to the store in worker threads while the block writes the rows.

    Yields where each part is being stored (key, hash, size), computed here
    while the puts run; only the store calls run in the threads, the session
    is not thread-safe. Leaving waits for every put and raises its error (or
    IntegrityMismatch if the store filed a part elsewhere), so the caller's
    transaction rolls back and never commits a row whose object is missing.
    If the block fails, the puts are still awaited and the block's error is
    raised. An object written without its rows being committed (block
    failed, or the process died before the commit) is an orphan.
    """
    puts = [_PUT_THREADS.submit(store.put, io.BytesIO(data), size=len(data), content_type=media_type)
            for data, media_type in parts]
    planned = [_planned(data) for data, _media_type in parts]
    try:
        yield planned
    except BaseException:
        wait(puts)
        raise
    for put, expected in zip(puts, planned):
        if (stored := put.result()) != expected:
            raise IntegrityMismatch(f"the store filed the content as {stored}, expected {expected}")


def _planned(data: bytes) -> StoredObject:
    """Return where a content-addressed store keeps ``data``: key, hash and size."""
    sha256 = hashlib.sha256(data).hexdigest()
    return StoredObject(key=key_for(sha256), sha256=sha256, size=len(data))


def documents_of_akte(session: Session, akte: Akte) -> list[Dokument]:
    """Return the documents of a file with their versions, oldest first."""
    return list(session.scalars(select(Dokument).where(Dokument.akte_id == akte.id).order_by(Dokument.created_at)))


def get_version(session: Session, authority_id: str, dokument_id: str, version: int | None = None) -> DokumentVersion:
    """Return a version (default: the current one) of a document of the authority."""
    dokument = session.scalar(
        select(Dokument).join(Akte, Akte.id == Dokument.akte_id)
        .where(Dokument.id == dokument_id, Akte.authority_id == authority_id)
    )
    if dokument is None:
        raise NotFound(f"no document '{dokument_id}'")
    number = version or dokument.current_version
    found = next((v for v in dokument.versions if v.version == number), None)
    if found is None:
        raise NotFound(f"document '{dokument_id}' has no version {number}")
    if found.destroyed_at is not None:
        raise NotFound(f"version {number} of document '{dokument_id}' was destroyed on {found.destroyed_at:%Y-%m-%d}")
    return found


def may_open(confidentiality: str, roles: list[str], works_on_case: bool) -> bool:
    """Tell whether someone may open a document of this confidentiality level.

    offen/intern: everyone of the authority; vertraulich: supervisors and the
    clerks working on the case; geheim: supervisors only.
    """
    if confidentiality in ("offen", "intern"):
        return True
    if confidentiality == "vertraulich":
        return "supervisor" in roles or works_on_case
    return "supervisor" in roles


def read_content(
    session: Session, store: DocumentStore, version: DokumentVersion, *, actor: str, roles: list[str],
    works_on_case: bool, original: bool = False,
) -> Iterator[bytes]:
    """Stream a version's content and log the read; the rendition unless ``original``.

    A rendition that is still pending is made now (``renditions.ensure_rendition``).

    Raises:
        AccessDenied: the confidentiality level does not allow this reader.
    """
    dokument = version.dokument
    if not may_open(dokument.confidentiality, roles, works_on_case):
        raise AccessDenied(f"the document is classified '{dokument.confidentiality}'")
    vorgang = session.get(Vorgang, dokument.vorgang_id)
    akte = session.get(Akte, dokument.akte_id)
    if not original:
        renditions.ensure_rendition(session, store, version, actor=actor)
    use_rendition = version.rendition_key is not None and not original
    audit.record(
        session, _stream_of(vorgang), "document.read", actor=actor, authority_id=akte.authority_id,
        case_id=vorgang.case_id,
        data={"document_id": dokument.id, "version": version.version, "rendition": use_rendition},
    )
    return store.open(version.rendition_key if use_rendition else version.storage_key)
