"""Substitutions (*Vertretung*): who works the tasks of an absent colleague."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import InvalidData
from engine.models import Substitution, User


def absent_colleagues(session: Session, substitute: User, now: datetime) -> list[User]:
    """Return the active users of the substitute's authority whom ``substitute`` stands in for at ``now``."""
    query = (
        select(User)
        .join(Substitution, Substitution.user_id == User.id)
        .where(
            Substitution.substitute_id == substitute.id,
            Substitution.authority_id == substitute.authority_id,
            User.authority_id == substitute.authority_id,
            User.active,
            Substitution.starts_at <= now,
            or_(Substitution.ends_at.is_(None), Substitution.ends_at > now),
        )
        .order_by(User.display_name)
    )
    return list(session.scalars(query).unique())


def add_substitution(
    session: Session, user: User, substitute: User, starts_at: datetime, ends_at: datetime | None = None
) -> Substitution:
    """Let ``substitute`` see the tasks of ``user`` from ``starts_at`` until ``ends_at`` (open end if None)."""
    if user.authority_id != substitute.authority_id:
        raise InvalidData("a substitute must belong to the same authority")
    if user.id == substitute.id:
        raise InvalidData("nobody can substitute for themselves")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidData("a substitution must end after it starts")
    row = Substitution(
        authority_id=user.authority_id, user_id=user.id, substitute_id=substitute.id, starts_at=starts_at, ends_at=ends_at
    )
    session.add(row)
    session.flush()
    return row
