"""Operations on cases and tasks besides running them: claim, unclaim, suspend, resume, cancel.

Cancelling a case also cancels its child cases (the cases its call activities
started, and theirs), in the same transaction; ``end_case_tree`` does the same
for a case the engine itself ends (a call activity interrupted, a parent that
failed). If the process dies before the commit, nothing of it happened.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine import jobs, task_rules
from engine.case_rows import load_task, lock_case, lock_task_and_case
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import Case, User, UserTask
from engine.models_jobs import STEP_JOB_KINDS, CaseMessage, EventSubscription
from engine.substitutions import check_may_act_for, on_behalf_data


def claim_task(session: Session, ctx, task_id: str, user: User, assignee: User | None = None,
               on_behalf_of: User | None = None) -> UserTask:
    """Assign an open task to ``assignee`` (default: the user); see ``task_rules.check_may_assign`` for hand-overs.

    ``on_behalf_of``: the absent colleague the user stands in for (Vertretung);
    the user takes over a task assigned to them, and the history records it.

    Raises:
        CaseNotActive: the case is suspended or ended (409).
    """
    assignee = assignee or user
    case, task_row = lock_task_and_case(session, task_id, user.authority_id)
    if task_row.status != "open":
        raise Conflict(f"task '{task_row.name}' is already {task_row.status}")
    task_rules.check_case_active(case, "claimed")
    if on_behalf_of is not None:
        check_may_act_for(session, user, on_behalf_of, task_row, ctx.clock())
        assignee = user
    else:
        _check_may_assign(task_row, user, assignee)
    if task_row.assignee_id != assignee.id:
        task_row.assignee, task_row.claimed_at = assignee, ctx.clock()
        ctx.events(session, case, "task.claimed", user.username, {"task_id": task_row.id, "name": task_row.name,
                                                                  "assignee": assignee.username,
                                                                  **on_behalf_data(on_behalf_of)})
    session.flush()
    return task_row


def _check_may_assign(task_row: UserTask, user: User, assignee: User) -> None:
    if assignee.authority_id != user.authority_id:
        raise NotFound("no such user in your authority")
    task_rules.check_may_assign(task_row, user, assignee)
    check_may_work_on(task_row, assignee, claiming=True)


def unclaim_task(session: Session, ctx, task_id: str, user: User) -> UserTask:
    """Give a claimed task back to its candidate group."""
    task_row = load_task(session, task_id, user.authority_id, for_update=True)
    if task_row.status != "open":
        raise Conflict(f"task '{task_row.name}' is already {task_row.status}")
    if task_row.assignee_id is None:
        raise Conflict("task is not claimed")
    if task_row.assignee_id != user.id and not user.has_role("supervisor"):
        raise Forbidden("only the assignee or a supervisor may unclaim this task")
    task_row.assignee, task_row.claimed_at = None, None
    case = session.get(Case, task_row.case_id)
    ctx.events(session, case, "task.unclaimed", user.username, {"task_id": task_row.id, "name": task_row.name})
    session.flush()
    return task_row


def check_may_work_on(task_row: UserTask, user: User, claiming: bool = False) -> None:
    """Raise Forbidden unless ``user`` may work on (or claim) the task."""
    if task_row.assignee_id is not None and task_row.assignee_id != user.id and not claiming:
        raise Forbidden("task is claimed by someone else")
    if task_row.assignee_id == user.id and not claiming:
        return
    if task_row.candidate_group and task_row.candidate_group not in user.groups and not user.has_role("supervisor"):
        raise Forbidden(f"task belongs to group '{task_row.candidate_group}', which you are not a member of")


def check_separation_of_duties(session: Session, spiff_task, task_row: UserTask, user: User) -> None:
    """Four-eyes principle: the property ``notCompletedBySameUserAs`` names a task that another person must have done."""
    properties = (getattr(spiff_task.task_spec, "extensions", None) or {}).get("properties", {})
    other_task = properties.get("notCompletedBySameUserAs")
    if not other_task:
        return
    last = session.scalar(
        select(UserTask.completed_by)
        .where(UserTask.case_id == task_row.case_id, UserTask.bpmn_id == other_task, UserTask.status == "completed")
        .order_by(UserTask.completed_at.desc()).limit(1)
    )
    if last == user.id:
        raise Forbidden(f"four-eyes principle: '{task_row.name}' must be done by someone other than "
                        f"the person who completed '{other_task}'")


def suspend_case(session: Session, ctx, case_id: str, user: User, reason: str) -> Case:
    """Suspend a running case: its tasks cannot be completed and its jobs wait."""
    case = _case_for_operation(session, case_id, user, "suspend")
    if case.status != "running":
        raise Conflict(f"only running cases can be suspended; this case is {case.status}")
    case.status = "suspended"
    ctx.events(session, case, "case.suspended", user.username, {"reason": reason})
    session.flush()
    return case


def resume_case(session: Session, ctx, case_id: str, user: User, reason: str) -> Case:
    """Resume a suspended case; its waiting jobs run again."""
    case = _case_for_operation(session, case_id, user, "resume")
    if case.status != "suspended":
        raise Conflict(f"only suspended cases can be resumed; this case is {case.status}")
    case.status = "running"
    ctx.events(session, case, "case.resumed", user.username, {"reason": reason})
    session.flush()
    return case


def cancel_case(session: Session, ctx, case_id: str, user: User, reason: str) -> Case:
    """Cancel a running or suspended case and its child cases: open tasks, waiting jobs and kept messages end."""
    case = _case_for_operation(session, case_id, user, "cancel")
    if case.status not in ("running", "suspended"):
        raise Conflict(f"only running or suspended cases can be cancelled; this case is {case.status}")
    end_case_tree(session, ctx, case, user.username, reason)
    return case


def end_case_tree(session: Session, ctx, case: Case, actor: str | None, reason: str, status: str = "cancelled",
                  error_code: str | None = None) -> None:
    """End a locked case (``cancelled``, or ``failed`` with ``error_code``) and cancel its running child cases."""
    now = ctx.clock()
    case.status, case.ended_at = status, now
    if error_code is not None:
        case.error_code = error_code
    kind = "case.failed" if status == "failed" else "case.cancelled"
    ctx.events(session, case, kind, actor, {"reason": reason, **({"error_code": error_code} if error_code else {})})
    close_open_work(session, ctx, case, actor)
    for child_id in session.scalars(select(Case.id).where(Case.parent_case_id == case.id,
                                                          Case.status.in_(("running", "suspended")))).all():
        child = lock_case(session, child_id)
        if child.status in ("running", "suspended"):
            end_case_tree(session, ctx, child, actor, f"the calling case ended: {reason}")
    session.flush()


def close_open_work(session: Session, ctx, case: Case, actor: str | None) -> None:
    """Close the open task rows, waiting step jobs, kept messages and subscriptions of a case that ended."""
    now = ctx.clock()
    for row in session.scalars(select(UserTask).where(UserTask.case_id == case.id, UserTask.status == "open")):
        row.status, row.completed_at = "cancelled", now
        ctx.events(session, case, "task.cancelled", actor, {"task_id": row.id, "name": row.name})
    jobs.cancel_waiting(session, case.id, now=now, kinds=STEP_JOB_KINDS)
    session.execute(
        update(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.status == "pending")
        .values(status="expired").execution_options(synchronize_session=False)
    )
    session.execute(delete(EventSubscription).where(EventSubscription.case_id == case.id))


def _case_for_operation(session: Session, case_id: str, user: User, action: str) -> Case:
    if not user.has_role("supervisor"):
        raise Forbidden(f"only supervisors may {action} cases")
    return lock_case(session, case_id, user.authority_id)
