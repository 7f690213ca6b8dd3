"""Renditions made after their version was filed: the PDF/A protocol of a task record.

Rendering a protocol with WeasyPrint costs more than the rest of a task
completion, so the completion files the record (the entered data as JSON)
with a *recipe* instead (``task_protocol_recipe``: title, author, authority,
time) and the version's rendition is ``pending``. It is made from the stored
record, by whichever comes first:

- the worker, through a ``rendition`` job committed with the version
  (processes/renditions.py): ``pending_rendition`` and ``render`` outside any
  transaction, then ``record_rendition`` in the job's transaction;
- whoever needs it before that (``ensure_rendition``): a download of the
  rendition, a delivery, an export of the file.

Exactly one rendition is recorded: ``record_rendition`` locks the version row
and records the rendition only while it is still pending; who comes second
leaves it and their bytes. If the process dies after storing the PDF and
before the commit, the version stays pending, the job runs again (its lease
expires) and the object stored first is an orphan that the sweeper removes
(eakte/verify.py), unless the new rendering has the same bytes and key.
Recording a rendition changes nothing the clerk filed: the record and its
hash stay as they are, the rendition is written next to them and audited
(``document.rendered``). It is allowed in a closed file (zdA): it only
completes what was filed before the file was closed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from eakte.errors import EakteError
from eakte.models import Akte, Dokument, DokumentVersion, Vorgang
from eakte.models.dokument import RENDITION_PENDING
from eakte.rendering import DocumentMeta, render_pdf
from eakte.storage import DocumentStore

TASK_PROTOCOL = "task_protocol"
PDF = "application/pdf"


def task_protocol_recipe(*, title: str, author: str, authority: str, created_at: datetime) -> dict:
    """Return the recipe of a task protocol: the PDF/A rendition of a task record (see ``render``)."""
    return {"renderer": TASK_PROTOCOL, "title": title, "author": author, "authority": authority,
            "created_at": created_at.isoformat()}


@dataclass(frozen=True)
class PendingRendition:
    """What rendering a pending version needs, read in a short transaction of its own."""

    version_id: str
    storage_key: str
    recipe: dict
    aktenzeichen: str


def pending_rendition(session: Session, version_id: str) -> PendingRendition | None:
    """Return what is needed to render a version, or None if its rendition is no longer pending."""
    row = session.execute(
        select(DokumentVersion, Akte.aktenzeichen).join(Dokument, Dokument.id == DokumentVersion.dokument_id)
        .join(Akte, Akte.id == Dokument.akte_id).where(DokumentVersion.id == version_id)
    ).one_or_none()
    if row is None or row[0].rendition_status != RENDITION_PENDING or row[0].destroyed_at is not None:
        return None
    version, aktenzeichen = row
    return PendingRendition(version.id, version.storage_key, dict(version.rendition_recipe), aktenzeichen)


def render(store: DocumentStore, pending: PendingRendition) -> bytes:
    """Render the rendition of a pending version from its stored record (outside any transaction).

    Raises:
        EakteError: The recipe names no known renderer, or the record is not what it says.
        StorageError: The record cannot be read.
    """
    if pending.recipe.get("renderer") != TASK_PROTOCOL:
        raise EakteError(f"no renderer '{pending.recipe.get('renderer')}' for version {pending.version_id}")
    try:
        record = json.loads(b"".join(store.open(pending.storage_key)))
        context = {"task_name": record["task"], "completed_by": record.get("completed_by") or "",
                   "completed_at": datetime.fromisoformat(record["completed_at"]),
                   "entries": sorted((record.get("data") or {}).items())}
    except (ValueError, KeyError, TypeError) as exc:
        raise EakteError(f"version {pending.version_id} is not a task record: {exc}") from exc
    recipe = pending.recipe
    meta = DocumentMeta(title=recipe["title"], aktenzeichen=pending.aktenzeichen, author=recipe["author"],
                        authority=recipe["authority"], created_at=datetime.fromisoformat(recipe["created_at"]))
    return render_pdf("task_protocol.html", context, meta)


def record_rendition(session: Session, store: DocumentStore, version_id: str, data: bytes, *,
                     actor: str | None) -> bool:
    """Store a rendition and record it on its version, if the version still waits for it.

    The version row is locked first, so of two who made the rendition only
    the first records it. The object is stored before this returns (durable
    before the caller commits).

    Returns:
        True if recorded here; False if the rendition existed already or the version was destroyed.
    """
    version = session.scalar(
        select(DokumentVersion).where(DokumentVersion.id == version_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    if version is None or version.rendition_status != RENDITION_PENDING or version.destroyed_at is not None:
        return False
    stored = store.put(io.BytesIO(data), size=len(data), content_type=PDF)
    version.rendition_key, version.rendition_sha256, version.rendition_media_type = stored.key, stored.sha256, PDF
    session.flush()
    dokument = version.dokument
    vorgang = session.get(Vorgang, dokument.vorgang_id)
    audit.record(
        session, audit.case_stream(vorgang.case_id) if vorgang.case_id else f"akte/{dokument.akte_id}",
        "document.rendered", actor=actor, authority_id=session.get(Akte, dokument.akte_id).authority_id,
        case_id=vorgang.case_id,
        data={"document_id": dokument.id, "version": version.version, "subject": dokument.subject,
              "media_type": PDF, "size": stored.size,
              "sha256": stored.sha256, "renderer": version.rendition_recipe.get("renderer")},
    )
    return True


def ensure_rendition(session: Session, store: DocumentStore, version: DokumentVersion, *, actor: str | None) -> None:
    """Make a pending rendition now, in the caller's transaction (someone needs it before the worker made it).

    Does nothing if the version has its rendition or none is expected.
    """
    if version.rendition_status != RENDITION_PENDING or version.destroyed_at is not None:
        return
    pending = pending_rendition(session, version.id)
    if pending is not None:
        record_rendition(session, store, version.id, render(store, pending), actor=actor)
    session.refresh(version)


def ensure_renditions_of_akte(session: Session, store: DocumentStore, akte: Akte, *, actor: str | None) -> int:
    """Make every pending rendition of a file now (before the file leaves the authority); return how many."""
    pending = list(session.scalars(
        select(DokumentVersion).join(Dokument, Dokument.id == DokumentVersion.dokument_id)
        .where(Dokument.akte_id == akte.id, DokumentVersion.rendition_recipe.is_not(None),
               DokumentVersion.rendition_key.is_(None), DokumentVersion.destroyed_at.is_(None))
    ))
    for version in pending:
        ensure_rendition(session, store, version, actor=actor)
    return len(pending)
