"""Case files (Akten): open with a new Aktenzeichen, close (zdA), reopen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from eakte import audit
from eakte.aktenzeichen import next_aktenzeichen
from eakte.aufbewahrung import retention_until
from eakte.errors import EakteError, FileClosed, NotFound
from eakte.models import Akte, FilePlanUnit, Vorgang


def akte_stream(akte: Akte) -> str:
    """Return the audit stream of file-level events (zdA, reopening, export, disposal)."""
    return f"akte/{akte.id}"


def open_akte(
    session: Session, *, authority_id: str, unit: FilePlanUnit, title: str, now: datetime, actor: str | None,
    aktenzeichen: str | None = None,
) -> Akte:
    """Create a file under ``unit`` with the next Aktenzeichen of this year.

    Args:
        aktenzeichen: The file's Aktenzeichen if the caller took it already (``next_aktenzeichen``
            for this authority, unit and year), e.g. to store it with its own rows first.
    """
    akte = Akte(
        authority_id=authority_id,
        unit_id=unit.id,
        aktenzeichen=aktenzeichen or next_aktenzeichen(session, authority_id, unit.code, now.year),
        title=title,
        confidentiality=unit.confidentiality,
        created_at=now,
    )
    session.add(akte)
    session.flush()
    audit.record(session, akte_stream(akte), "akte.opened", actor=actor, authority_id=authority_id,
                 data={"aktenzeichen": akte.aktenzeichen, "unit": unit.code, "title": title}, opens_stream=True)
    return akte


def add_vorgang(session: Session, akte: Akte, *, case_id: str | None, title: str, now: datetime) -> Vorgang:
    """Add a Vorgang (one procedure run) to an open file; it is numbered in the INSERT itself."""
    ensure_writable(akte)
    following = select(func.count() + 1).where(Vorgang.akte_id == akte.id).scalar_subquery()
    vorgang = Vorgang(akte=akte, case_id=case_id, number=following, title=title, created_at=now)
    session.add(vorgang)
    session.flush()
    return vorgang


def ensure_writable(akte: Akte) -> None:
    """Raise FileClosed if the file is closed (zdA) or disposed of."""
    if akte.status != "open":
        state = "closed (zdA)" if akte.status == "closed" else akte.status
        raise FileClosed(f"file {akte.aktenzeichen} is {state} and read-only; a supervisor can reopen it")


def get_akte(session: Session, authority_id: str, *, akte_id: str | None = None, aktenzeichen: str | None = None) -> Akte:
    """Return a file of the authority by id or Aktenzeichen."""
    query = select(Akte).where(Akte.authority_id == authority_id)
    query = query.where(Akte.id == akte_id) if akte_id else query.where(Akte.aktenzeichen == aktenzeichen)
    akte = session.scalar(query)
    if akte is None:
        raise NotFound(f"no file '{akte_id or aktenzeichen}'")
    return akte


def vorgang_of_case(session: Session, case_id: str) -> Vorgang | None:
    """Return the Vorgang that records the given engine case, if any, with its Akte loaded."""
    return session.scalar(select(Vorgang).options(joinedload(Vorgang.akte)).where(Vorgang.case_id == case_id))


def close_akte(session: Session, akte: Akte, *, now: datetime, actor: str) -> Akte:
    """Close a file (zdA): it becomes read-only and its retention period starts."""
    ensure_writable(akte)
    unit = session.get(FilePlanUnit, akte.unit_id)
    akte.status, akte.closed_at, akte.closed_by = "closed", now, actor
    akte.retention_years, akte.disposal_code = unit.retention_years, unit.disposal_code
    akte.retention_until = retention_until(now, unit.retention_years)
    for vorgang in akte.vorgaenge:
        vorgang.closed_at = vorgang.closed_at or now
    session.flush()
    audit.record(session, akte_stream(akte), "akte.closed", actor=actor, authority_id=akte.authority_id,
                 data={"aktenzeichen": akte.aktenzeichen, "retention_until": str(akte.retention_until or "permanent"),
                       "disposal_code": akte.disposal_code})
    return akte


def reopen_akte(session: Session, akte: Akte, *, actor: str, reason: str) -> Akte:
    """Reopen a closed file; the caller checks that ``actor`` is a supervisor."""
    if akte.status != "closed":
        raise EakteError(f"file {akte.aktenzeichen} is {akte.status}; only closed files can be reopened")
    if not reason or not reason.strip():
        raise EakteError("a reason is required to reopen a file")
    akte.status, akte.closed_at, akte.closed_by, akte.retention_until = "open", None, None, None
    session.flush()
    audit.record(session, akte_stream(akte), "akte.reopened", actor=actor, authority_id=akte.authority_id,
                 data={"aktenzeichen": akte.aktenzeichen, "reason": reason.strip()})
    return akte
