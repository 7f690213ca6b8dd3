"""Rules about human tasks beyond the core loop: who works on them, what they are called, when they may be worked.

The runner calls these where a task row is created, claimed, handed over or
completed. Task properties read here (``spiffworkflow:property`` on a user task):

* ``assignee``: names a case variable holding a user name (or user id). When
  the task becomes ready and that variable names an active user of the
  authority who may work on it, the task is assigned to that user instead of
  waiting open in its group (e.g. a decision returned by the four-eyes check
  goes back to the clerk who decided).
* ``completedByVariable``: names a case variable that receives the user name
  of whoever completes the task (what ``assignee`` of a later task reads).
* ``titleVariable``: names a variable whose text is added to the task's name
  ("Stellungnahme abgeben – Brandschutzdienststelle"). Without it, an instance
  of a multi-instance activity carries its input item, if that is a text.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import CaseNotActive, Conflict, Forbidden
from engine.models import Case, User, UserTask

TITLE_SEPARATOR = " – "
NAME_LENGTH = UserTask.__table__.c.name.type.length
APPLICANT_LENGTH = UserTask.__table__.c.applicant.type.length
WORKING_ROLES = ("clerk", "supervisor")


def task_properties(spec) -> dict[str, str]:
    """Return the ``spiffworkflow:property`` values of a task spec (empty if it has none)."""
    return (getattr(spec, "extensions", None) or {}).get("properties", {}) or {}


def default_applicant(process_key: str, data: dict) -> str | None:
    """Return the applicant's name from case data by convention: ``antragsteller`` (a name, or an object with one).

    Procedures whose data names the applicant differently give the engine
    context their own function (``EngineContext.applicant_of``).
    """
    applicant = data.get("antragsteller")
    if isinstance(applicant, dict):
        applicant = applicant.get("name")
    if not isinstance(applicant, str):
        return None
    return " ".join(applicant.split()) or None


def check_case_active(case: Case, action: str) -> None:
    """Refuse work on the tasks of a case that is not running.

    Args:
        action: What was tried, for the message ("claimed", "completed", "handed over").

    Raises:
        CaseNotActive: The case is suspended, completed or cancelled (409).
    """
    if case.status != "running":
        raise CaseNotActive(f"case is {case.status}; its tasks cannot be {action}", case.status)


def works_on_tasks(user: User) -> bool:
    """Tell whether ``user`` is someone tasks can be given to: active and a clerk or supervisor.

    Administrators and modellers without one of these roles are not (``User.has_role``
    lets admins pass every check; here only the roles the user really holds count).
    """
    return bool(user.active) and any(role in (user.roles or ()) for role in WORKING_ROLES)


def is_member(user: User, group: str | None) -> bool:
    """Tell whether ``user`` may take tasks of candidate group ``group`` (no group: everybody; supervisors: all)."""
    return group is None or group in (user.groups or ()) or "supervisor" in (user.roles or ())


def check_may_assign(task_row: UserTask, user: User, assignee: User) -> None:
    """Check that ``user`` may give the open task ``task_row`` to ``assignee``.

    Anyone may claim a task for themselves (the group is checked by the
    runner); supervisors may give any task to anyone who works on tasks; a
    clerk may hand a task they hold, or one open in their group, to a
    colleague of the task's group.

    Raises:
        Conflict: Someone else holds the task.
        Forbidden: The hand-over is not allowed, naming why.
    """
    if assignee.id != user.id and not works_on_tasks(assignee):
        raise Forbidden(f"'{assignee.username}' does not work on tasks (only clerks and supervisors do)")
    if user.has_role("supervisor"):
        return
    if task_row.assignee_id not in (None, user.id, assignee.id):
        raise Conflict("task is already claimed by someone else")
    if assignee.id == user.id:
        return
    group = task_row.candidate_group
    if task_row.assignee_id is None and not is_member(user, group):
        raise Forbidden(f"task belongs to group '{group}', which you are not a member of")
    if group is not None and group not in (assignee.groups or ()):
        raise Forbidden(f"clerks may hand a task only to a colleague of its group '{group}'; "
                        f"'{assignee.username}' is not a member")


def completion_variables(spec, user: User) -> dict[str, Any]:
    """Return the case variables completing a task of ``spec`` sets besides its form (``completedByVariable``)."""
    name = task_properties(spec).get("completedByVariable")
    return {name: user.username} if name else {}


def assignee_from_case(session: Session, case: Case, spec, candidate_group: str | None) -> User | None:
    """Return the user the task's ``assignee`` property names through the case data, or None.

    None (the task waits in its group) if the property is missing, the
    variable is empty, or the user it names is unknown, inactive, not in the
    task's group or does not work on tasks.
    """
    variable = task_properties(spec).get("assignee")
    value = (case.data or {}).get(variable) if variable else None
    if not isinstance(value, str) or not value.strip():
        return None
    user = session.scalar(select(User).where(
        User.authority_id == case.authority_id, or_(User.username == value, User.id == value)
    ))
    if user is None or not works_on_tasks(user) or not is_member(user, candidate_group):
        return None
    return user


def task_title(spiff_task, case_data: dict) -> str:
    """Return the name of a ready human task: its BPMN name, plus the item it is about where there is one."""
    spec = spiff_task.task_spec
    base = spec.bpmn_name or spec.bpmn_id
    variable = task_properties(spec).get("titleVariable")
    if variable:
        suffix = spiff_task.data.get(variable, case_data.get(variable))
    else:
        suffix = _multi_instance_item(spiff_task)
    if not isinstance(suffix, str) or not suffix.strip():
        return base[:NAME_LENGTH]
    return f"{base}{TITLE_SEPARATOR}{' '.join(suffix.split())}"[:NAME_LENGTH]


def _multi_instance_item(spiff_task) -> Any:
    """Return the input item of the multi-instance instance ``spiff_task`` runs in (itself or an enclosing one)."""
    current = spiff_task
    while current is not None:
        parent = current.parent
        if parent is None:  # the start of a (sub)process: continue at the task that runs it
            workflow = current.workflow
            current = (workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
                       if workflow.parent_task_id is not None else None)
            continue
        spec = parent.task_spec
        if isinstance(spec, MultiInstanceTask) and spec.task_spec == current.task_spec.name:
            return current.data.get(spec.input_item.bpmn_id) if spec.input_item is not None else None
        current = parent
    return None
