"""Disposal (Aussonderung) of closed files at the end of their retention.

Flow: ``due_for_disposal`` lists the files whose retention has ended, with
their disposal code (A archive, B archive appraises, V destroy) and how far
the archive procedure has got. A and B files are offered to the archive with
an offer list (xdomea 0501) and the archive answers with its appraisal (0502),
see ``eakte.anbietung``. Files the archive declines (V) may be destroyed
right away; files it wants (A) are handed over with a 0503 package
(``eakte.xdomea``) and destroyed only after the archive confirmed the receipt
(0506 import, or manually with ``confirm_archive``). Without an offer, a
confirmed hand-over is enough as well. V files of the file plan are destroyed
without the archive.

``destroy_akte`` enforces these rules:

- V (plan): destroyable once the retention has ended;
- A or B: destroyable only if the archive's appraisal says V, or a hand-over
  made since the file's last closing was confirmed; otherwise the refusal
  names the missing step;
- anything else (open, within retention, permanent, no code): refused.

Offers, appraisals and hand-overs count only if made after the file's last
closing (zdA): a reopened file is offered again.

Destruction has two steps, because rows and objects live in different
systems and cannot change in one transaction:

1. ``destroy_akte`` (inside the caller's transaction) marks every version
   destroyed, the file disposed, and writes one tombstone audit event per
   version plus ``akte.destroyed``. It deletes nothing in storage.
2. After that transaction has committed, ``purge_destroyed_objects`` deletes
   the stored objects of destroyed versions that no live version references.

If the process dies between the steps, the rows already say "destroyed" and
the objects are still there: nothing points at a missing object, ``verify``
stays clean, and running step 2 again (it is idempotent; deleting a missing
object is no error) finishes the job. The reverse order could leave live
rows pointing at deleted objects, which is exactly what must never happen.

Known limit: objects are content-addressed and shared. If someone stores the
very same bytes again between step 2's reference check and its delete, the
new row would point at a deleted object; step 2 re-checks the references of
each key immediately before deleting it to keep that window small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from eakte.akten import akte_stream, get_akte
from eakte.audit import record
from eakte.errors import EakteError, NotFound
from eakte.models import Akte, ArchiveHandover, ArchiveOffer, Dokument, DokumentVersion, Vorgang
from eakte.storage import DocumentStore, StorageUnavailable
from engine.db import transaction, utcnow


class AussonderungError(EakteError):
    """A disposal step is not allowed in the file's state; the message says why."""

    status = 409


@dataclass(frozen=True)
class DueFile:
    """A closed file whose retention period has ended.

    Attributes:
        akte_id: Id of the file.
        aktenzeichen: Its file number.
        title: Its title.
        authority_id: Owning authority.
        disposal_code: ``A`` (archive), ``B`` (archive appraises) or ``V`` (destroy).
        closed_at: zdA time.
        retention_until: Last day of the retention period.
        handover_id: Latest hand-over to the archive since the file was closed, if any.
        archive_confirmed: The archive confirmed that hand-over.
        offer_process_id: ``ProzessID`` of the offer list (0501) since the file was closed, if any.
        archive_appraisal: The archive's decision on that offer: ``A`` (archive) or ``V`` (destroy), if any.
    """

    akte_id: str
    aktenzeichen: str
    title: str
    authority_id: str
    disposal_code: str | None
    closed_at: datetime
    retention_until: date
    handover_id: str | None
    archive_confirmed: bool
    offer_process_id: str | None
    archive_appraisal: str | None


def due_for_disposal(session: Session, authority_id: str | None, today: date) -> list[DueFile]:
    """List closed, not yet disposed files whose retention ended on or before ``today``.

    Files kept permanently (no retention years) are never due.

    Args:
        session: Database session.
        authority_id: Only files of this authority; ``None`` for all.
        today: The reference date.

    Returns:
        The due files ordered by retention end and file number.
    """
    query = select(Akte).where(
        Akte.status == "closed",
        Akte.closed_at.is_not(None),
        Akte.disposed_at.is_(None),
        Akte.retention_years.is_not(None),
        Akte.retention_until.is_not(None),
        Akte.retention_until <= today,
    )
    if authority_id is not None:
        query = query.where(Akte.authority_id == authority_id)
    due = []
    for akte in session.scalars(query.order_by(Akte.retention_until, Akte.aktenzeichen)):
        handover = _latest_handover(session, akte)
        offer = latest_offer(session, akte)
        due.append(DueFile(
            akte.id, akte.aktenzeichen, akte.title, akte.authority_id, akte.disposal_code, akte.closed_at,
            akte.retention_until, handover.id if handover else None,
            bool(handover and handover.confirmed_at is not None),
            offer.process_id if offer else None, offer.appraisal if offer else None,
        ))
    return due


def confirm_archive(
    session: Session, handover_id: str, *, actor: str, archive_reference: str, message: dict | None = None
) -> ArchiveHandover:
    """Record that the archive confirmed the receipt of a hand-over package.

    Args:
        session: Database session; the caller commits.
        handover_id: Id of the ``ArchiveHandover``.
        actor: Who records the confirmation.
        archive_reference: The archive's reference for the received file.
        message: The archive's confirmation message (type, process id, creation time),
            recorded in the audit event; ``None`` for a manual confirmation.

    Returns:
        The confirmed hand-over.

    Raises:
        NotFound: There is no such hand-over.
        AussonderungError: Empty reference, or already confirmed.
    """
    handover = session.get(ArchiveHandover, handover_id)
    if handover is None:
        raise NotFound(f"no archive hand-over with id {handover_id!r}")
    if not archive_reference or not archive_reference.strip():
        raise AussonderungError("the archive's reference is required to confirm a hand-over")
    if handover.confirmed_at is not None:
        raise AussonderungError(
            f"hand-over {handover_id} was already confirmed on {handover.confirmed_at:%Y-%m-%d} "
            f"(reference {handover.archive_reference})"
        )
    akte = session.get(Akte, handover.akte_id)
    handover.confirmed_at = utcnow()
    handover.confirmed_by = actor
    handover.archive_reference = archive_reference.strip()
    session.flush()
    record(session, akte_stream(akte), "akte.archive_confirmed", actor=actor, authority_id=akte.authority_id,
           data={"aktenzeichen": akte.aktenzeichen, "handover_id": handover.id, "process_id": handover.process_id,
                 "package_sha256": handover.package_sha256, "archive_reference": handover.archive_reference,
                 **({"message": message} if message else {})})
    return handover


@dataclass(frozen=True)
class Destruction:
    """What ``destroy_file`` did: step 1 (versions marked) and step 2 (objects deleted)."""

    versions_destroyed: int
    objects_deleted: int
    already_destroyed: bool
    complete: bool
    """False if the storage failed in step 2: the content is destroyed, objects are left; run it again."""


def destroy_file(sessions: sessionmaker[Session], store: DocumentStore, *, authority_id: str, aktenzeichen: str,
                 actor: str) -> Destruction:
    """Destroy a file due for disposal with both steps, each in a transaction of its own.

    Step 1 (``destroy_akte``) is committed before step 2
    (``purge_destroyed_objects``) deletes anything. Calling it again for a
    destroyed file only repeats step 2, which finishes an interrupted run.

    Raises:
        NotFound: no such file in the authority.
        AussonderungError: the file may not be destroyed (yet); nothing was changed.
    """
    with transaction(sessions) as session:
        akte = get_akte(session, authority_id, aktenzeichen=aktenzeichen)
        already = akte.status == "disposed"
        destroyed = 0 if already else destroy_akte(session, akte, actor=actor)
        akte_id = akte.id
    try:
        with transaction(sessions) as session:
            deleted = purge_destroyed_objects(session, store, akte_id=akte_id)
    except StorageUnavailable:
        return Destruction(destroyed, 0, already, complete=False)
    return Destruction(destroyed, deleted, already, complete=True)


def destroy_akte(session: Session, akte: Akte, *, actor: str, today: date | None = None) -> int:
    """Destroy a file's content: mark its versions destroyed and leave tombstones.

    Step 1 of destruction (see the module docstring): nothing is deleted in
    storage here. After the caller committed, run ``purge_destroyed_objects``.

    Allowed only for a closed file whose retention has ended and that is
    either marked V, or marked A/B and either declined by the archive's
    appraisal or handed over to the archive with a confirmation, by an
    appraisal or hand-over made after the file's last closing.

    Args:
        session: Database session; the caller commits.
        akte: The file.
        actor: Who orders the destruction.
        today: Reference date for the retention check; default: today (UTC).

    Returns:
        The number of document versions destroyed.

    Raises:
        AussonderungError: A condition is not met; nothing was changed.
    """
    today = today or utcnow().date()
    handover, offer = _check_destroyable(session, akte, today)
    now = utcnow()
    rows = session.execute(
        select(DokumentVersion, Dokument, Vorgang)
        .join(Dokument, DokumentVersion.dokument_id == Dokument.id)
        .join(Vorgang, Dokument.vorgang_id == Vorgang.id)
        .where(Dokument.akte_id == akte.id, DokumentVersion.destroyed_at.is_(None))
        .order_by(Vorgang.number, Dokument.created_at, Dokument.id, DokumentVersion.version)
    ).all()
    stream = akte_stream(akte)
    for version, dokument, vorgang in rows:
        version.destroyed_at = now
        record(session, stream, "dokument.version.destroyed", actor=actor, authority_id=akte.authority_id,
               case_id=vorgang.case_id, occurred_at=now,
               data={"aktenzeichen": akte.aktenzeichen, "document_id": dokument.id, "version_id": version.id,
                     "subject": dokument.subject, "type": dokument.doc_type, "version": version.version,
                     "filename": version.filename, "media_type": version.media_type, "size": version.size,
                     "sha256": version.sha256, "rendition_sha256": version.rendition_sha256})
    akte.status = "disposed"
    akte.disposed_at = now
    session.flush()
    record(session, stream, "akte.destroyed", actor=actor, authority_id=akte.authority_id, occurred_at=now,
           data={"aktenzeichen": akte.aktenzeichen, "title": akte.title, "disposal_code": akte.disposal_code,
                 "retention_until": akte.retention_until.isoformat(), "versions_destroyed": len(rows),
                 "handover_id": handover.id if handover else None,
                 "archive_reference": handover.archive_reference if handover else None,
                 "offer_process_id": offer.process_id if offer else None,
                 "archive_appraisal": offer.appraisal if offer else None})
    return len(rows)


def purge_destroyed_objects(session: Session, store: DocumentStore, *, akte_id: str | None = None) -> int:
    """Delete stored objects of destroyed versions that no live version references.

    Step 2 of destruction; safe to run any number of times (also as a repair
    after a crash between the steps).

    Args:
        session: Database session (only reads).
        store: The document store.
        akte_id: Only objects of this file's destroyed versions; ``None`` for all.

    Returns:
        The number of objects deleted.
    """
    query = (
        select(DokumentVersion.storage_key, DokumentVersion.rendition_key)
        .where(DokumentVersion.destroyed_at.is_not(None))
    )
    if akte_id is not None:
        query = query.join(Dokument, DokumentVersion.dokument_id == Dokument.id).where(Dokument.akte_id == akte_id)
    keys = {key for row in session.execute(query) for key in row if key}
    deleted = 0
    for key in sorted(keys):
        if _referenced_by_live_version(session, key) or not store.exists(key):
            continue
        store.delete(key)
        deleted += 1
    return deleted


def _referenced_by_live_version(session: Session, key: str) -> bool:
    return session.scalar(
        select(DokumentVersion.id).where(
            DokumentVersion.destroyed_at.is_(None),
            or_(DokumentVersion.storage_key == key, DokumentVersion.rendition_key == key),
        ).limit(1)
    ) is not None


def latest_offer(session: Session, akte: Akte) -> ArchiveOffer | None:
    """Return the newest offer of the file to the archive made since its last closing, if any."""
    return session.scalar(
        select(ArchiveOffer)
        .where(ArchiveOffer.akte_id == akte.id, ArchiveOffer.offered_at >= akte.closed_at)
        .order_by(ArchiveOffer.offered_at.desc())
        .limit(1)
    )


def _latest_handover(session: Session, akte: Akte) -> ArchiveHandover | None:
    """Return the newest hand-over made since the file's last closing (confirmed ones first)."""
    return session.scalar(
        select(ArchiveHandover)
        .where(ArchiveHandover.akte_id == akte.id, ArchiveHandover.exported_at >= akte.closed_at)
        .order_by(ArchiveHandover.confirmed_at.is_(None), ArchiveHandover.exported_at.desc())
        .limit(1)
    )


def _check_destroyable(
    session: Session, akte: Akte, today: date
) -> tuple[ArchiveHandover | None, ArchiveOffer | None]:
    """Return the hand-over and offer that allow destruction (both None for V files) or raise."""
    name = akte.aktenzeichen
    if akte.status == "disposed" or akte.disposed_at is not None:
        raise AussonderungError(f"file {name} was already destroyed on {akte.disposed_at:%Y-%m-%d}")
    if akte.status != "closed" or akte.closed_at is None:
        raise AussonderungError(f"file {name} is not closed (zdA): only closed files can be destroyed")
    if akte.retention_years is None:
        raise AussonderungError(f"file {name} is kept permanently and can never be destroyed")
    if akte.retention_until is None or akte.retention_until > today:
        until = akte.retention_until.isoformat() if akte.retention_until else "unknown"
        raise AussonderungError(f"file {name}: retention period runs until {until}; it cannot be destroyed yet")
    if akte.disposal_code == "V":
        return None, None
    if akte.disposal_code not in ("A", "B"):
        raise AussonderungError(f"file {name} has no disposal code (A/B/V); it cannot be destroyed")
    handover = _latest_handover(session, akte)
    offer = latest_offer(session, akte)
    if (handover is not None and handover.confirmed_at is not None) or (offer is not None and offer.appraisal == "V"):
        return handover, offer
    raise AussonderungError(f"file {name} is marked {akte.disposal_code}: {_missing_step(handover, offer)}")


def _missing_step(handover: ArchiveHandover | None, offer: ArchiveOffer | None) -> str:
    """Say what an A/B file still needs before it may be destroyed."""
    if handover is not None:
        return (f"it was handed over on {handover.exported_at:%Y-%m-%d} (xdomea 0503, process {handover.process_id}) "
                "and can be destroyed only after the archive confirmed the receipt (import its 0506 message "
                "or record the confirmation with confirm-archive)")
    if offer is not None and offer.appraisal == "A":
        return (f"the archive wants it (appraisal of {offer.appraised_at:%Y-%m-%d}); it can be destroyed only after "
                "it was handed over (xdomea 0503) and the archive confirmed the receipt")
    if offer is not None:
        return (f"it was offered to the archive on {offer.offered_at:%Y-%m-%d} (xdomea 0501, process "
                f"{offer.process_id}) and can be destroyed only after the archive declined it in its appraisal "
                "(0502), or after it was handed over (0503) and the archive confirmed the receipt")
    return ("it can be destroyed only after it was handed over to the archive (xdomea 0503) and the archive "
            "confirmed the receipt, or after the archive declined it in its appraisal of an offer list (0501/0502)")
