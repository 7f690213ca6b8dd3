"""Disposal steps as the API and the administration pages run them: offer list (0501) and hand-over package (0503)
sent in the name of the user's authority."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from typing import BinaryIO

from sqlalchemy.orm import Session

from eakte import anbietung
from eakte.models import Akte
from eakte.storage import DocumentStore
from eakte.xdomea import export_0503
from eakte.xdomea.export import ExportResult
from eakte.xdomea.message import authority_contact
from engine.models import Authority, User

DEFAULT_ARCHIVE = "Landesarchiv Mecklenburg-Vorpommern"


def sender_of(session: Session, user: User, sender_key: str | None) -> dict:
    """Return the user's authority as xdomea sender (with its Behördenschlüssel, if given)."""
    owner = session.get(Authority, user.authority_id)
    return authority_contact(owner.name, owner.slug, sender_key)


def offer(session: Session, user: User, *, archive: str, sender_key: str | None, aktenzeichen: list[str],
          today: date) -> anbietung.OfferResult:
    """Offer due A and B files (all not yet offered, or the ones named) to the archive; record it."""
    return anbietung.offer_to_archive(session, user.authority_id, sender=sender_of(session, user, sender_key),
                                      recipient={"name": archive.strip()}, actor=user.username, today=today,
                                      aktenzeichen=aktenzeichen)


def hand_over(session: Session, store: DocumentStore, user: User, akte: Akte, *, archive: str,
              sender_key: str | None, receipt: bool) -> tuple[ExportResult, BinaryIO]:
    """Write the 0503 package of a closed file and record the hand-over; return the result and the open package.

    The package lives in a temporary file that is already unlinked: closing the returned handle (the response
    does) frees it, also if the process dies.
    """
    handle, path = tempfile.mkstemp(prefix="aktenfluss-0503-", suffix=".zip")
    os.close(handle)
    try:
        result = export_0503(session, store, akte, sender=sender_of(session, user, sender_key),
                             recipient={"name": archive.strip()}, actor=user.username, out=path, receipt=receipt)
        package = open(path, "rb")  # noqa: SIM115 - closed by the caller
    finally:
        os.unlink(path)
    return result, package
