"""The operator's work: authorities and their first administrator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import identity
from engine.models import Authority, User
from processes.administration.access import require_operator
from processes.administration.audit_log import PLATFORM_STREAM, record_change
from processes.administration.users import Credentials, create_user


def list_authorities(session: Session, actor: User) -> list[tuple[Authority, int]]:
    """Return every authority with its number of active users (operator only)."""
    require_operator(actor)
    counts = dict(session.execute(select(User.authority_id, func.count()).where(User.active)
                                  .group_by(User.authority_id)).all())
    return [(a, counts.get(a.id, 0)) for a in session.scalars(select(Authority).order_by(Authority.name))]


def create_authority(session: Session, actor: User, *, slug: str, name: str, admin_username: str,
                     admin_display_name: str | None, admin_email: str | None, credentials: str,
                     now: datetime) -> tuple[Authority, User, Credentials]:
    """Create an authority and its first administrator, who gets a one-time link or a temporary password."""
    require_operator(actor)
    authority = identity.create_authority(session, slug.strip().lower() if isinstance(slug, str) else slug,
                                          name.strip() if isinstance(name, str) else name)
    record_change(session, actor, authority.id, "authority.created", target=authority.slug, before=None,
                  after={"slug": authority.slug, "name": authority.name})
    record_change(session, actor, authority.id, "authority.created", target=authority.slug, before=None,
                  after={"slug": authority.slug, "name": authority.name, "administrator": admin_username},
                  stream=PLATFORM_STREAM)
    admin, issued = create_user(session, actor, username=admin_username, roles=["admin"],
                                display_name=admin_display_name, email=admin_email, credentials=credentials,
                                now=now, authority_id=authority.id)
    return authority, admin, issued
