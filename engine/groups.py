"""Groups of an authority, their members, and the candidate groups (lanes) of the models they serve.

A task row carries the candidate group its model names (the task's
``candidateGroup`` property, else its lane; see ``runner._new_task_row``).
A group of the authority serves one or more of these names; its members see
the tasks of all of them. ``User.groups`` keeps the resulting names per user,
recomputed here whenever memberships or a group's names change, so the inbox
and the runner read a plain list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.definitions import visible_to
from engine.errors import Conflict, InvalidData, NotFound
from engine.loader import ModelValidationError, load_model
from engine.models import Group, GroupMember, ProcessDefinition, User, UserTask

NAME_LENGTH = Group.__table__.c.name.type.length
CANDIDATE_GROUP_LENGTH = UserTask.__table__.c.candidate_group.type.length


def clean_name(name: str, what: str = "group name", length: int = NAME_LENGTH) -> str:
    """Return ``name`` stripped, or raise InvalidData if it is empty, too long or has control characters."""
    if not isinstance(name, str):
        raise InvalidData(f"{what} must be text")
    name = name.strip()
    if not 0 < len(name) <= length or any(ord(c) < 32 for c in name):
        raise InvalidData(f"{what} must be 1-{length} characters, without control characters")
    return name


def create_group(session: Session, authority_id: str, name: str, candidate_groups: list[str] | None = None) -> Group:
    """Create a group; it serves ``candidate_groups`` (default: the candidate group of its own name)."""
    name = clean_name(name)
    if _by_name(session, authority_id, name) is not None:
        raise Conflict(f"group '{name}' exists already")
    names = _clean_candidate_groups([name] if candidate_groups is None else candidate_groups)
    group = Group(authority_id=authority_id, name=name, candidate_groups=names)
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, group: Group, *, name: str | None = None,
                 candidate_groups: list[str] | None = None) -> Group:
    """Rename a group and/or change the candidate groups it serves; members' task lists follow."""
    if name is not None:
        name = clean_name(name)
        other = _by_name(session, group.authority_id, name)
        if other is not None and other.id != group.id:
            raise Conflict(f"group '{name}' exists already")
        group.name = name
    if candidate_groups is not None:
        group.candidate_groups = _clean_candidate_groups(candidate_groups)
        session.flush()
        refresh_candidate_groups(session, [u.id for u in members_of(session, group)])
    session.flush()
    return group


def ensure_groups(session: Session, authority_id: str, names: list[str]) -> list[Group]:
    """Return the groups called ``names``, creating missing ones (each serving the candidate group of its name)."""
    groups = []
    for name in sorted({clean_name(n) for n in names}):
        groups.append(_by_name(session, authority_id, name) or create_group(session, authority_id, name))
    return groups


def get_group(session: Session, authority_id: str, group_id: str) -> Group:
    """Return a group of the authority or raise NotFound."""
    group = session.scalar(select(Group).where(Group.id == group_id, Group.authority_id == authority_id))
    if group is None:
        raise NotFound(f"no group with id '{group_id}'")
    return group


def list_groups(session: Session, authority_id: str) -> list[Group]:
    """Return the authority's groups by name."""
    return list(session.scalars(select(Group).where(Group.authority_id == authority_id).order_by(Group.name)))


def member_counts(session: Session, authority_id: str) -> dict[str, int]:
    """Return group id -> number of active members."""
    rows = session.execute(
        select(GroupMember.group_id, func.count()).join(User, User.id == GroupMember.user_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.authority_id == authority_id, User.active).group_by(GroupMember.group_id))
    return dict(rows.all())


def members_of(session: Session, group: Group) -> list[User]:
    """Return the members of a group (active or not) by display name."""
    return list(session.scalars(
        select(User).join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.group_id == group.id)
        .order_by(User.display_name)))


def groups_of(session: Session, user: User) -> list[Group]:
    """Return the groups a user is a member of, by name."""
    return list(session.scalars(
        select(Group).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == user.id)
        .order_by(Group.name)))


def set_members(session: Session, group: Group, user_ids: list[str]) -> None:
    """Make exactly ``user_ids`` (users of the group's authority) the group's members."""
    wanted = set(user_ids)
    found = set(session.scalars(select(User.id).where(User.id.in_(wanted), User.authority_id == group.authority_id)))
    if found != wanted:
        raise NotFound(f"no user with id '{sorted(wanted - found)[0]}' in this authority")
    current = set(session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id)))
    if current - wanted:
        session.execute(delete(GroupMember).where(GroupMember.group_id == group.id,
                                                  GroupMember.user_id.in_(current - wanted)))
    session.add_all(GroupMember(group_id=group.id, user_id=user_id) for user_id in sorted(wanted - current))
    session.flush()
    refresh_candidate_groups(session, sorted(current ^ wanted))


def set_user_groups(session: Session, user: User, group_ids: list[str]) -> None:
    """Make the user a member of exactly the groups ``group_ids`` (groups of the user's authority)."""
    wanted = set(group_ids)
    found = set(session.scalars(select(Group.id).where(Group.id.in_(wanted), Group.authority_id == user.authority_id)))
    if found != wanted:
        raise NotFound(f"no group with id '{sorted(wanted - found)[0]}' in this authority")
    current = set(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user.id)))
    if current - wanted:
        session.execute(delete(GroupMember).where(GroupMember.user_id == user.id,
                                                  GroupMember.group_id.in_(current - wanted)))
    session.add_all(GroupMember(group_id=group_id, user_id=user.id) for group_id in sorted(wanted - current))
    session.flush()
    refresh_candidate_groups(session, [user.id])


def refresh_candidate_groups(session: Session, user_ids: list[str]) -> None:
    """Recompute ``User.groups`` (the candidate groups whose tasks they see) from the users' groups."""
    if not user_ids:
        return
    served: dict[str, set[str]] = {user_id: set() for user_id in user_ids}
    rows = session.execute(select(GroupMember.user_id, Group.candidate_groups)
                           .join(Group, Group.id == GroupMember.group_id).where(GroupMember.user_id.in_(user_ids)))
    for user_id, names in rows:
        served[user_id].update(names or [])
    for user in session.scalars(select(User).where(User.id.in_(user_ids))):
        user.groups = sorted(served[user.id])
    session.flush()


@dataclass
class ModelGroup:
    """A candidate group (lane) that tasks of the authority's models are given to, and who serves it."""

    name: str
    processes: set[str] = field(default_factory=set)
    open_tasks: int = 0
    served_by: list[str] = field(default_factory=list)


def model_groups(session: Session, authority_id: str) -> list[ModelGroup]:
    """Return the candidate groups of the newest deployed models and of open tasks, with the groups serving them.

    A model group that no group serves (``served_by`` empty) means tasks that
    nobody but a supervisor would see.
    """
    found: dict[str, ModelGroup] = {}
    for definition in _latest_definitions(session, authority_id):
        try:
            model = load_model(definition.file_contents())
        except ModelValidationError:  # deployed models were valid; a newer engine may refuse an old one
            continue
        for process_spec in (model.spec, *model.subprocess_specs.values()):
            for spec in process_spec.task_specs.values():
                name = _candidate_group(spec)
                if name:
                    found.setdefault(name, ModelGroup(name)).processes.add(definition.key)
    open_tasks = session.execute(
        select(UserTask.candidate_group, UserTask.process_key, func.count())
        .where(UserTask.authority_id == authority_id, UserTask.status == "open", UserTask.candidate_group.is_not(None))
        .group_by(UserTask.candidate_group, UserTask.process_key))
    for name, process_key, count in open_tasks:
        entry = found.setdefault(name, ModelGroup(name))
        entry.processes.add(process_key)
        entry.open_tasks += count
    for group in list_groups(session, authority_id):
        for name in group.candidate_groups:
            if name in found:
                found[name].served_by.append(group.name)
    return sorted(found.values(), key=lambda g: g.name.lower())


def _candidate_group(spec) -> str | None:
    """The candidate group a human task of ``spec`` gets (as runner._new_task_row computes it), else None."""
    if not getattr(spec, "manual", False) or not hasattr(spec, "bpmn_id"):
        return None
    properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
    return properties.get("candidateGroup") or getattr(spec, "lane", None)


def _latest_definitions(session: Session, authority_id: str) -> list[ProcessDefinition]:
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .where(visible_to(authority_id)).group_by(ProcessDefinition.key).subquery())
    return list(session.scalars(
        select(ProcessDefinition).join(newest, (newest.c.key == ProcessDefinition.key)
                                       & (newest.c.version == ProcessDefinition.version))
        .order_by(ProcessDefinition.key)))


def _by_name(session: Session, authority_id: str, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.authority_id == authority_id, Group.name == name))


def _clean_candidate_groups(names: list[str]) -> list[str]:
    if not isinstance(names, list):
        raise InvalidData("candidate groups must be a list of names")
    return sorted({clean_name(n, "candidate group", CANDIDATE_GROUP_LENGTH) for n in names})


def group_ids_by_name(session: Session, authority_id: str, names: list[str]) -> list[str]:
    """Return the ids of the authority's groups called ``names``, or raise NotFound naming one that is missing."""
    wanted = {n.strip() for n in names}
    found = dict(session.execute(select(Group.name, Group.id).where(Group.authority_id == authority_id,
                                                                    Group.name.in_(wanted))).all())
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(f"no group '{missing[0][:200]}' in this authority")
    return sorted(found.values())


def user_ids_by_name(session: Session, authority_id: str, usernames: list[str]) -> list[str]:
    """Return the ids of the authority's users called ``usernames``, or raise NotFound naming one that is missing."""
    wanted = {n.strip() for n in usernames}
    found = dict(session.execute(select(User.username, User.id).where(User.authority_id == authority_id,
                                                                      User.username.in_(wanted))).all())
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(f"no user '{missing[0][:100]}' in this authority")
    return sorted(found.values())
