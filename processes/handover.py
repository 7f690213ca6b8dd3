"""Handing a task over to a colleague: who may receive it, and the hand-over itself (API and UI).

Supervisors may give a task to any clerk or supervisor of the authority; a
colleague outside the task's candidate group is added to that group first,
but only when the supervisor chose so explicitly. Clerks may hand a task
they hold (or one open in their group) to a colleague of the task's group.
Administrators, modellers and deactivated accounts never receive tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import runner, task_rules
from engine.errors import Forbidden, InvalidData
from engine.models import Case, User, UserTask
from engine.runner import EngineContext
from processes.casework import find_user, get_task
from processes.filing import record_case_event


@dataclass(frozen=True)
class Assignees:
    """Who a user may give a task to: ``members`` of its group, and (supervisors) ``others`` who would join it."""

    members: list[User]
    others: list[User]


def eligible_assignees(session: Session, user: User, task: UserTask) -> Assignees:
    """Return the colleagues ``user`` may hand ``task`` to, by display name (the user not among them)."""
    colleagues = [u for u in session.scalars(
        select(User).where(User.authority_id == user.authority_id, User.active, User.id != user.id)
        .order_by(User.display_name, User.username)
    ) if task_rules.works_on_tasks(u) and u.id != task.assignee_id]
    group = task.candidate_group
    members = [u for u in colleagues if group is None or group in (u.groups or ()) or "supervisor" in u.roles]
    if not user.has_role("supervisor"):
        if group is not None:  # a clerk's colleagues: members of the group, not supervisors standing outside it
            members = [u for u in members if group in (u.groups or ())]
        return Assignees(members, [])
    member_ids = {u.id for u in members}
    return Assignees(members, [u for u in colleagues if u.id not in member_ids])


def hand_over(session: Session, ctx: EngineContext, user: User, task_id: str, username: str,
              add_to_group: bool = False) -> tuple[UserTask, User, bool]:
    """Give an open task to the colleague ``username``.

    Args:
        add_to_group: The colleague is not a member of the task's group and is to be added to it
            (supervisors only; recorded in the case's history).

    Returns:
        The task, the colleague, and whether they were added to the task's group.

    Raises:
        NotFound: No such task or active colleague in the user's authority.
        InvalidData: The colleague is outside the task's group and ``add_to_group`` was not chosen (422).
        Forbidden: The hand-over is not allowed (``task_rules.check_may_assign``).
        CaseNotActive: The case is suspended or has ended (409).
    """
    task = get_task(session, user, task_id)
    colleague = find_user(session, user.authority_id, username)
    group = task.candidate_group
    added = False
    if colleague.id != user.id and not task_rules.is_member(colleague, group):
        if not user.has_role("supervisor"):
            raise Forbidden(f"clerks may hand a task only to a colleague of its group '{group}'; "
                            f"'{colleague.username}' is not a member")
        if not add_to_group:
            raise InvalidData(f"'{colleague.username}' is not a member of the task's group '{group}'; "
                              "choose to add them to it", {"fields": {"assignee": ["not a member of the group"]}})
        if not task_rules.works_on_tasks(colleague):
            raise Forbidden(f"'{colleague.username}' does not work on tasks (only clerks and supervisors do)")
        colleague.groups = sorted({*(colleague.groups or ()), group})
        session.flush()
        added = True
    task = runner.claim_task(session, ctx, task_id, user, colleague)
    if added:
        # Written after the claim succeeded; a refused claim raises and the request rolls the group change back.
        record_case_event(session, session.get(Case, task.case_id), "user.group_added", user.username,
                          {"task_id": task.id, "name": task.name, "user": colleague.username, "group": group})
    return task, colleague, added
