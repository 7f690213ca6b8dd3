"""Groups of an authority: create, rename, the candidate groups (lanes) they serve, members; audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import groups as engine_groups
from engine.models import Group, User
from processes.administration.access import require_admin
from processes.administration.audit_log import changed, record_change


def create_group(session: Session, actor: User, name: str, candidate_groups: list[str] | None = None,
                 member_ids: list[str] | None = None) -> Group:
    """Create a group of the actor's authority (serving the candidate group of its name unless others are given)."""
    require_admin(actor)
    group = engine_groups.create_group(session, actor.authority_id, name, candidate_groups)
    if member_ids:
        engine_groups.set_members(session, group, list(member_ids))
    record_change(session, actor, actor.authority_id, "group.created", target=group.name, before=None,
                  after=_snapshot(session, group))
    return group


def get_group(session: Session, actor: User, group_id: str) -> Group:
    """Return a group of the actor's authority (administrators only) or raise NotFound."""
    require_admin(actor)
    return engine_groups.get_group(session, actor.authority_id, group_id)


def update_group(session: Session, actor: User, group: Group, *, name: str | None = None,
                 candidate_groups: list[str] | None = None, member_ids: list[str] | None = None) -> Group:
    """Rename a group, change the candidate groups it serves and/or its members (only what is given)."""
    require_admin(actor)
    before = _snapshot(session, group)
    engine_groups.update_group(session, group, name=name, candidate_groups=candidate_groups)
    if member_ids is not None:
        engine_groups.set_members(session, group, list(member_ids))
    old, new = changed(before, _snapshot(session, group))
    if new:
        record_change(session, actor, group.authority_id, "group.updated", target=group.name, before=old, after=new)
    return group


def _snapshot(session: Session, group: Group) -> dict:
    return {"name": group.name, "candidate_groups": list(group.candidate_groups),
            "members": [u.username for u in engine_groups.members_of(session, group)]}
