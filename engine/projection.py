"""What the database holds for a workflow state: open task rows, step jobs, event subscriptions.

Every save of a case projects its state: the open human task rows
(``project_user_tasks``), the jobs for READY service tasks and waiting timers
(``schedule_jobs``) and the messages and signals it can catch now
(``project_subscriptions``). Because every save ends here, the projection of
the state as it was restored (``Projection``) tells which rows and jobs exist
without reading them back; only the difference is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engine import jobs, task_rules
from engine.db import new_id
from engine.kept_messages import catchable
from engine.models import Case, UserTask
from engine.models_jobs import STEP_JOB_KINDS, EventSubscription, Job
from engine.service_tasks import is_service_task, service_job_payload
from engine.timers import pending_timers


@dataclass(frozen=True)
class Projection:
    """The open task rows, whether timer or service jobs wait, and the event subscriptions of a state."""

    human_tasks: frozenset[str]
    has_timers: bool
    has_services: bool
    subscriptions: frozenset[tuple[str, str]] = frozenset()

    def without(self, spiff_task_id: str) -> Projection:
        """The same projection without the row of one task (closed by the caller)."""
        return Projection(self.human_tasks - {spiff_task_id}, self.has_timers, self.has_services, self.subscriptions)


NOTHING_PROJECTED = Projection(frozenset(), False, False)
"""A new case has no task rows, jobs or subscriptions yet."""


def projection(workflow: BpmnWorkflow, now: datetime) -> Projection:
    """Return the projection of a workflow state (as saved by the last advance)."""
    ready = workflow.get_tasks(state=TaskState.READY)
    return Projection(
        human_tasks=frozenset(str(t.id) for t in ready if t.task_spec.manual and not is_service_task(t)),
        has_timers=bool(pending_timers(workflow, now)),
        has_services=any(is_service_task(t) for t in ready),
        subscriptions=subscriptions(workflow),
    )


def subscriptions(workflow: BpmnWorkflow) -> frozenset[tuple[str, str]]:
    """The messages and signals the workflow can catch now: waiting catch events and event subprocess triggers."""
    found = set()
    for definition in catchable(workflow):
        if isinstance(definition, MessageEventDefinition) and definition.name:
            found.add(("message", definition.name))
        elif isinstance(definition, SignalEventDefinition) and definition.name:
            found.add(("signal", definition.name))
    return frozenset(found)


def project_subscriptions(session: Session, case: Case, workflow: BpmnWorkflow, before: Projection) -> None:
    """Make the case's subscription rows match what it can catch now (none once it ended)."""
    now = subscriptions(workflow) if case.status == "running" else frozenset()
    gone, new = before.subscriptions - now, now - before.subscriptions
    for kind, name in gone:
        session.execute(delete(EventSubscription).where(EventSubscription.case_id == case.id,
                                                        EventSubscription.kind == kind, EventSubscription.name == name))
    if new:
        session.execute(insert(EventSubscription.__table__), [
            {"authority_id": case.authority_id, "case_id": case.id, "kind": kind, "name": name} for kind, name in new])


def project_user_tasks(session: Session, ctx, case: Case, workflow: BpmnWorkflow, before: Projection) -> None:
    """Make the open task rows match the workflow's ready human tasks.

    The open rows are exactly ``before.human_tasks`` (every save ends here), so
    nothing is read back: rows of tasks that stopped waiting without being
    completed (interrupted by a boundary event, cancelled) are closed in one
    UPDATE, rows for newly ready tasks are inserted. A row that exists twice
    for one task is impossible (unique constraint on case and Spiff task).
    """
    ready = _ready_human_tasks(workflow)
    gone = before.human_tasks - ready.keys()
    if gone:
        cancelled = session.execute(
            update(UserTask)
            .where(UserTask.case_id == case.id, UserTask.spiff_task_id.in_(gone), UserTask.status == "open")
            .values(status="cancelled", completed_at=ctx.clock())
            .returning(UserTask.id, UserTask.name)
            .execution_options(synchronize_session="fetch")
        ).all()
        for row_id, name in sorted(cancelled, key=lambda row: (row.name, row.id)):
            ctx.events(session, case, "task.cancelled", None, {"task_id": row_id, "name": name})
    new = [(spiff_task, _new_task_row(ctx, case, spiff_task)) for spiff_id, spiff_task in ready.items()
           if spiff_id not in before.human_tasks]
    assignees = {row["id"]: _assign_from_case(session, case, spiff_task, row) for spiff_task, row in new}
    rows = [row for _, row in new]
    if rows:
        session.execute(insert(UserTask.__table__), rows)
    for row in rows:
        data = {"task_id": row["id"], "bpmn_id": row["bpmn_id"], "name": row["name"],
                "candidate_group": row["candidate_group"]}
        if assignees[row["id"]] is not None:
            data["assignee"] = assignees[row["id"]]
        ctx.events(session, case, "task.created", None, data)


def _ready_human_tasks(workflow: BpmnWorkflow) -> dict[str, Any]:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if not is_service_task(t)}


def _new_task_row(ctx, case: Case, spiff_task) -> dict[str, Any]:
    """Return the columns of the open task row for a ready human task."""
    spec = spiff_task.task_spec
    properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
    now = ctx.clock()
    return dict(
        id=new_id(),
        authority_id=case.authority_id,
        case_id=case.id,
        spiff_task_id=str(spiff_task.id),
        process_key=case.definition.key,
        bpmn_id=spec.bpmn_id,
        name=task_rules.task_title(spiff_task, case.data or {}),
        lane=spec.lane,
        candidate_group=properties.get("candidateGroup") or spec.lane,
        priority=_int_property(properties, "priority", 50),
        due_at=now + timedelta(days=_int_property(properties, "dueInDays", 0)) if "dueInDays" in properties else None,
        business_key=case.business_key,
        subject=case.subject,
        applicant=_applicant(ctx, case),
        assignee_id=None,
        claimed_at=None,
        created_at=now,
    )


def _assign_from_case(session: Session, case: Case, spiff_task, row: dict[str, Any]) -> str | None:
    """Assign the new row to the user its ``assignee`` property names (``task_rules``); return the user name."""
    user = task_rules.assignee_from_case(session, case, spiff_task.task_spec, row["candidate_group"])
    if user is None:
        return None
    row.update(assignee_id=user.id, claimed_at=row["created_at"])
    return user.username


def _applicant(ctx, case: Case) -> str | None:
    """Return the applicant's name for the task row (searchable in the inbox), cut to the column's length."""
    name = ctx.applicant_of(case.definition.key, case.data or {})
    return name[:task_rules.APPLICANT_LENGTH] if name else None


def _int_property(properties: dict, name: str, default: int) -> int:
    try:
        return int(properties.get(name, default))
    except (TypeError, ValueError):
        return default


def schedule_jobs(session: Session, ctx, case: Case, workflow: BpmnWorkflow, case_data, before: Projection) -> None:
    """Queue jobs for READY service tasks and waiting timers; cancel timer jobs that no longer apply."""
    now = ctx.clock()
    if case.status != "running":
        if before.has_timers or before.has_services:  # otherwise no step job of this case waits
            jobs.cancel_waiting(session, case.id, now=now, kinds=STEP_JOB_KINDS)
        return
    services = [t for t in workflow.get_tasks(state=TaskState.READY) if is_service_task(t)]
    if services:
        queued = set(session.scalars(
            select(Job.dedupe_key).where(Job.case_id == case.id, Job.kind == "service",
                                         Job.status.in_(("todo", "doing", "failed")))
        ))
        for task in services:
            key = f"service:{task.id}"
            if key in queued:
                continue
            case_data.refresh(task)
            jobs.enqueue(session, "service", now=now, payload=service_job_payload(task), case_id=case.id,
                         authority_id=case.authority_id, dedupe_key=key, max_attempts=ctx.service_max_attempts)
    timers = pending_timers(workflow, now)
    if before.has_timers:  # otherwise no timer job of this case waits
        keys = {timer.dedupe_key for timer in timers}
        jobs.cancel_waiting(session, case.id, now=now, kinds=("timer",), keep_dedupe_keys=keys)
    for timer in timers:
        jobs.enqueue(session, "timer", now=now, payload={"task_id": timer.task_id, "bpmn_id": timer.bpmn_id},
                     case_id=case.id, authority_id=case.authority_id, run_at=timer.due, dedupe_key=timer.dedupe_key)
    session.flush()
