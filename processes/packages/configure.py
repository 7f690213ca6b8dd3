"""Setting up an imported package in the importing authority: file plan unit, group members, systems.

Each function changes one thing the checklist of processes/packages/setup.py
names, in the caller's transaction, and writes an audit event to the
process's stream (``definition/<key>``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from eakte.aktenplan import map_process
from eakte.models import FilePlanUnit
from engine.connectors.systems import save_system
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ProcessDefinition, User
from processes.packages.store import package_of

MAX_GROUP_LENGTH = 200


def assign_unit(session: Session, authority_id: str, process_key: str, code: str, *, actor: str) -> FilePlanUnit:
    """File new cases of the process under the authority's unit ``code``.

    Raises:
        NotFound: the authority's file plan has no such unit.
    """
    unit = session.scalar(select(FilePlanUnit).where(FilePlanUnit.authority_id == authority_id,
                                                     FilePlanUnit.code == code))
    if unit is None:
        raise NotFound(f"your file plan has no unit '{code}'")
    map_process(session, authority_id, process_key, unit)
    _record(session, authority_id, process_key, actor, {"file_plan_unit": unit.code})
    return unit


def create_suggested_unit(session: Session, authority_id: str, definition: ProcessDefinition, *, actor: str,
                          now: datetime) -> FilePlanUnit:
    """Create the unit the package suggests in the authority's file plan and file the process under it.

    Raises:
        Conflict: the package suggests none, or the file plan has a unit with that code already (choose it).
    """
    manifest = package_of(definition).manifest
    suggestion = manifest.file_plan if manifest else None
    if not suggestion:
        raise Conflict("the package suggests no file plan unit")
    exists = session.scalar(select(FilePlanUnit).where(FilePlanUnit.authority_id == authority_id,
                                                       FilePlanUnit.code == suggestion["code"]))
    if exists is not None:
        raise Conflict(f"your file plan has a unit '{suggestion['code']}' already; assign the process to it")
    years = suggestion.get("retention_years", 10)
    unit = FilePlanUnit(authority_id=authority_id, code=suggestion["code"], title=suggestion["title"],
                        retention_years=None if years == "permanent" else years,
                        disposal_code=suggestion.get("disposal", "V"), confidentiality="intern", updated_at=now)
    session.add(unit)
    session.flush()
    map_process(session, authority_id, definition.key, unit)
    _record(session, authority_id, definition.key, actor, {"file_plan_unit_created": unit.code})
    return unit


def set_group_members(session: Session, authority_id: str, process_key: str, group: str, usernames: list[str], *,
                      actor: str) -> list[str]:
    """Make exactly ``usernames`` (active users of the authority) the members of ``group``; return them sorted.

    Raises:
        InvalidData: the group name is empty or too long, or a user does not exist.
    """
    if not group or len(group) > MAX_GROUP_LENGTH:
        raise InvalidData(f"a group name has 1-{MAX_GROUP_LENGTH} characters")
    users = {user.username: user for user in
             session.scalars(select(User).where(User.authority_id == authority_id, User.active))}
    unknown = sorted(set(usernames) - set(users))
    if unknown:
        raise InvalidData(f"no active user {', '.join(unknown)} in your authority")
    for user in users.values():
        groups = list(user.groups or [])
        if user.username in usernames and group not in groups:
            user.groups = [*groups, group]
        elif user.username not in usernames and group in groups:
            user.groups = [g for g in groups if g != group]
    session.flush()
    members = sorted(usernames)
    _record(session, authority_id, process_key, actor, {"group": group, "members": members})
    return members


def configure_system(session: Session, authority_id: str, process_key: str, system: str, url: str, timeout: float,
                     headers: dict[str, str], *, actor: str, now: datetime) -> None:
    """Store where a specialist system is for the authority (see engine/connectors/systems.py)."""
    save_system(session, authority_id, system, url, timeout, headers, actor=actor, now=now)
    _record(session, authority_id, process_key, actor, {"system": system, "url": url})


def _record(session: Session, authority_id: str, process_key: str, actor: str, data: dict) -> None:
    audit.record(session, f"definition/{process_key}", "package.configured", actor=actor, authority_id=authority_id,
                 data=data)
