"""Personal saved inbox filters: a name and the inbox's query parameters, per user.

Only the user who saved a filter sees, uses or deletes it. Saving under an
existing name replaces that filter's parameters.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData, NotFound
from engine.models import InboxFilter, User

MAX_FILTERS = 20
NAME_LENGTH = InboxFilter.__table__.c.name.type.length
VALUE_LENGTH = 200


def filters_of(session: Session, user: User) -> list[InboxFilter]:
    """Return the user's saved filters by name."""
    return list(session.scalars(select(InboxFilter).where(InboxFilter.user_id == user.id).order_by(InboxFilter.name)))


def save_filter(session: Session, user: User, name: str, query: dict[str, str]) -> InboxFilter:
    """Save ``query`` (parameter name -> value) as the user's filter ``name``; replace one of the same name.

    Raises:
        InvalidData: The name is empty or too long, a value is too long or no text,
            or the user already has ``MAX_FILTERS`` filters.
    """
    name = " ".join(name.split())
    if not name:
        raise InvalidData("a filter needs a name", {"fields": {"name": ["missing"]}})
    if len(name) > NAME_LENGTH:
        raise InvalidData(f"a filter name has at most {NAME_LENGTH} characters", {"fields": {"name": ["too long"]}})
    bad = sorted(k for k, v in query.items() if not isinstance(k, str) or not isinstance(v, str) or len(v) > VALUE_LENGTH)
    if bad:
        raise InvalidData(f"filter values must be texts of at most {VALUE_LENGTH} characters",
                          {"fields": {key: ["invalid"] for key in bad}})
    existing = session.scalar(select(InboxFilter).where(InboxFilter.user_id == user.id, InboxFilter.name == name))
    if existing is not None:
        existing.query = dict(query)
        session.flush()
        return existing
    if len(filters_of(session, user)) >= MAX_FILTERS:
        raise InvalidData(f"at most {MAX_FILTERS} filters can be saved; delete one first",
                          {"fields": {"name": ["too many filters"]}})
    row = InboxFilter(user_id=user.id, name=name, query=dict(query))
    session.add(row)
    session.flush()
    return row


def delete_filter(session: Session, user: User, filter_id: str) -> InboxFilter:
    """Delete one of the user's filters and return it.

    Raises:
        NotFound: The user has no filter with that id.
    """
    row = session.scalar(select(InboxFilter).where(InboxFilter.id == filter_id, InboxFilter.user_id == user.id))
    if row is None:
        raise NotFound(f"no saved filter '{filter_id}'")
    session.delete(row)
    session.flush()
    return row
