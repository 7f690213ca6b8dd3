"""Absences and substitutes (*Vertretung*): set by the absent user or by a supervisor or administrator.

Dates are German calendar days: an absence from 3 to 5 March lasts from
midnight of the 3rd until midnight after the 5th, legal time (Europe/Berlin).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from engine import substitutions
from engine.errors import Forbidden, InvalidData, NotFound
from engine.legal_time import LEGAL_TIME
from engine.models import Substitution, User
from processes.administration.access import require_admin_or_supervisor
from processes.administration.audit_log import record_change

EARLIEST, LATEST = date(1900, 1, 1), date(9000, 12, 31)


def day_start(day: date) -> datetime:
    """Return midnight at the start of ``day`` in legal time, as UTC."""
    return datetime.combine(day, time(0), tzinfo=LEGAL_TIME).astimezone(timezone.utc)


def legal_date(moment: datetime) -> date:
    """Return the calendar day ``moment`` falls on in legal time."""
    return moment.astimezone(LEGAL_TIME).date()


def set_absence(session: Session, actor: User, user: User, *, substitute: User | None, starts_on: date,
                ends_on: date | None, groups: list[str] | None, now: datetime) -> Substitution:
    """Record that ``user`` is absent from ``starts_on`` to ``ends_on`` (open end if None), with a substitute.

    A user sets their own absence; supervisors and administrators set anyone's in their authority.
    """
    _require_may_manage(actor, user)
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidData(f"dates of an absence must lie between {EARLIEST} and {LATEST}",
                              {"fields": {name: ["out of range"]}})
    if ends_on is not None and ends_on < starts_on:
        raise InvalidData("the last day of an absence must not be before its first day",
                          {"fields": {"ends_on": ["before starts_on"]}})
    if ends_on is not None and ends_on < legal_date(now):
        raise InvalidData("this absence would be over already", {"fields": {"ends_on": ["in the past"]}})
    row = substitutions.add_substitution(
        session, user, substitute, day_start(starts_on), day_start(ends_on + timedelta(days=1)) if ends_on else None,
        groups=groups, created_by=actor.username)
    record_change(session, actor, user.authority_id, "absence.recorded", target=user.username, before=None,
                  after=describe(row))
    return row


def end_absence(session: Session, actor: User, row: Substitution, now: datetime) -> Substitution:
    """End an absence now (a future one is cancelled)."""
    _require_may_manage(actor, row.user)
    before = describe(row)
    substitutions.end_substitution(session, row, now)
    record_change(session, actor, row.authority_id, "absence.ended", target=row.user.username,
                  before={"ends_at": before["ends_at"]}, after={"ends_at": row.ends_at.isoformat()})
    return row


def get_absence(session: Session, actor: User, absence_id: str) -> Substitution:
    """Return an absence the actor may see: their own, one they substitute in, or any (supervisors, admins)."""
    row = substitutions.get_substitution(session, actor.authority_id, absence_id)
    if actor.id not in (row.user_id, row.substitute_id) and not actor.has_role("admin", "supervisor"):
        raise NotFound(f"no absence with id '{absence_id}'")
    return row


def list_absences(session: Session, actor: User, now: datetime, include_past: bool = False) -> list[Substitution]:
    """Return the absences the actor may see (all of the authority for supervisors and admins)."""
    involving = None if actor.has_role("admin", "supervisor") else actor
    return substitutions.list_substitutions(session, actor.authority_id, now, involving=involving,
                                            include_past=include_past)


def describe(row: Substitution) -> dict:
    """The values of an absence as the log keeps them."""
    return {"user": row.user.username, "substitute": row.substitute.username if row.substitute else None,
            "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat() if row.ends_at else None,
            "groups": row.groups}


def _require_may_manage(actor: User, user: User) -> None:
    if actor.authority_id != user.authority_id:
        raise NotFound(f"no user with id '{user.id}'")
    if actor.id != user.id:
        try:
            require_admin_or_supervisor(actor)
        except Forbidden:
            raise Forbidden("only supervisors and administrators may set other people's absences") from None
