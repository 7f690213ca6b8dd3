"""Disposal steps as the API and the administration pages run them, in the name of the user's authority.

The E-Akte services record each step in the file's audit chain; here each
step is also written to the authority's administration log
(``Verwaltungsprotokoll``), so an administrator sees every disposal there.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from eakte import anbietung
from eakte.aussonderung import Destruction, confirm_archive, destroy_file
from eakte.errors import NotFound
from eakte.models import Akte, ArchiveHandover
from eakte.storage import DocumentStore
from eakte.xdomea import export_0503
from eakte.xdomea.export import ExportResult
from eakte.xdomea.message import authority_contact
from engine.models import Authority, User
from processes.administration.access import require_admin
from processes.administration.audit_log import record_change

DEFAULT_ARCHIVE = "Landesarchiv Mecklenburg-Vorpommern"


def sender_of(session: Session, user: User, sender_key: str | None) -> dict:
    """Return the user's authority as xdomea sender (with its Behördenschlüssel, if given)."""
    owner = session.get(Authority, user.authority_id)
    return authority_contact(owner.name, owner.slug, sender_key)


def offer(session: Session, user: User, *, archive: str, sender_key: str | None, aktenzeichen: list[str],
          today: date) -> anbietung.OfferResult:
    """Offer due A and B files (all not yet offered, or the ones named) to the archive; record it."""
    require_admin(user)
    result = anbietung.offer_to_archive(session, user.authority_id, sender=sender_of(session, user, sender_key),
                                        recipient={"name": archive.strip()}, actor=user.username, today=today,
                                        aktenzeichen=aktenzeichen)
    record_change(session, user, user.authority_id, "disposal.offered", target=", ".join(result.aktenzeichen),
                  after={"process_id": result.process_id, "archive": archive.strip()})
    return result


def import_appraisal(session: Session, user: User, data: bytes) -> anbietung.AppraisalResult:
    """Record the archive's appraisal (0502)."""
    require_admin(user)
    result = anbietung.import_appraisal(session, user.authority_id, data, actor=user.username)
    record_change(session, user, user.authority_id, "disposal.appraised", target=", ".join(result.decisions),
                  after={"process_id": result.process_id, "decisions": result.decisions})
    return result


def import_confirmation(session: Session, user: User, data: bytes) -> anbietung.ImportConfirmationResult:
    """Record the archive's import confirmation (0506); a failed import is recorded as such."""
    require_admin(user)
    result = anbietung.import_archive_confirmation(session, user.authority_id, data, actor=user.username)
    record_change(session, user, user.authority_id,
                  "disposal.archive_confirmed" if result.archive_reference else "disposal.archive_import_failed",
                  target=result.aktenzeichen, after={"process_id": result.process_id,
                                                     "archive_reference": result.archive_reference})
    return result


def hand_over(session: Session, store: DocumentStore, user: User, akte: Akte, *, archive: str,
              sender_key: str | None, receipt: bool) -> tuple[ExportResult, BinaryIO]:
    """Write the 0503 package of a closed file and record the hand-over; return the result and the open package.

    The package lives in a temporary file that is already unlinked: closing the returned handle (the response
    does) frees it, also if the process dies.
    """
    require_admin(user)
    handle, path = tempfile.mkstemp(prefix="aktenfluss-0503-", suffix=".zip")
    os.close(handle)
    try:
        result = export_0503(session, store, akte, sender=sender_of(session, user, sender_key),
                             recipient={"name": archive.strip()}, actor=user.username, out=path, receipt=receipt)
        package = open(path, "rb")  # noqa: SIM115 - closed by the caller
    finally:
        os.unlink(path)
    record_change(session, user, user.authority_id, "disposal.handed_over", target=akte.aktenzeichen,
                  after={"process_id": result.process_id, "archive": archive.strip(),
                         "package_sha256": result.package_sha256})
    return result, package


def confirm_by_hand(session: Session, user: User, handover_id: str, reference: str) -> tuple[ArchiveHandover, Akte]:
    """Record that the archive received a hand-over (confirmed by letter, not with a 0506).

    Raises:
        NotFound: no hand-over with this id in the user's authority.
    """
    require_admin(user)
    handover = session.get(ArchiveHandover, handover_id)
    akte = session.get(Akte, handover.akte_id) if handover is not None else None
    if akte is None or akte.authority_id != user.authority_id:
        raise NotFound(f"no archive hand-over with id '{handover_id}'")
    confirmed = confirm_archive(session, handover_id, actor=user.username, archive_reference=reference.strip())
    record_change(session, user, user.authority_id, "disposal.archive_confirmed", target=akte.aktenzeichen,
                  after={"process_id": confirmed.process_id, "archive_reference": confirmed.archive_reference,
                         "by_hand": True})
    return confirmed, akte


def destroy(session: Session, sessions: sessionmaker[Session], store: DocumentStore, user: User,
            aktenzeichen: str) -> Destruction:
    """Destroy a file due for disposal (in transactions of its own, see ``destroy_file``) and log it in ``session``.

    The caller has committed ``session``'s earlier work and commits the log entry afterwards. If the process dies
    in between, the destruction stands (its tombstones are in the file's audit chain), but the administration log
    misses the entry.
    """
    require_admin(user)
    result = destroy_file(sessions, store, authority_id=user.authority_id, aktenzeichen=aktenzeichen,
                          actor=user.username)
    record_change(session, user, user.authority_id, "disposal.destroyed", target=aktenzeichen,
                  after={"versions_destroyed": result.versions_destroyed, "objects_deleted": result.objects_deleted,
                         "complete": result.complete})
    return result
