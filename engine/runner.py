"""The engine's core loop: start a case, complete a human task, advance.

Every public function works inside the caller's transaction and never
commits. The sequence is always: lock the case row -> restore the workflow ->
run SpiffWorkflow until it waits (engine.stepping) -> write state, task rows,
subscriptions, audit events and the jobs for what happens next (service
calls, timers, events for other cases, the return to a calling case) ->
flush. If the process dies at any point before the caller commits, the
database rolls the whole transaction back: the case keeps its previous state,
the human task stays open, no job is queued or finished, no child case exists,
and no audit event claims something that did not happen. A worker that dies in
the middle of a job has not committed either; its job's lease expires and
another worker runs it again from the unchanged case (see engine.jobs).

Spiff runs one task at a time; ``CaseData`` keeps one consistent data set per
case across parallel branches, and ``compact`` drops finished history so a
long case costs the same per step as a short one. Service tasks are not run
here: the case waits at them and a ``service`` job calls the operation in the
background worker (engine.service_tasks). Waiting timers become ``timer`` jobs
(engine.timers); messages kept for the case are delivered as soon as it
waits for them (engine.kept_messages); call activities start child cases
(engine.calls); messages and signals for other cases are routed by ``event``
jobs (engine.routing, engine.case_events). A case ended by a BPMN error that
nothing caught is ``failed`` with the error's code. A case of a timer start
event's schedule is started by ``start_case_by_timer`` past that event
(engine.start_timers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import calls, routing, task_rules
from engine.case_data import CaseData, CaseDataError
from engine.case_operations import (  # noqa: F401 - part of the runner's interface (API, UI)
    cancel_case, check_may_work_on, check_separation_of_duties, claim_task, resume_case, suspend_case, unclaim_task,
)
from engine.case_rows import lock_case, lock_task_and_case
from engine.case_state import new_case, restore, saved_state, write_case
from engine.case_workflow import CaseWorkflow, take_thrown_events
from engine.compaction import compact
from engine.context import EngineContext, EventSink  # noqa: F401 - part of the runner's interface
from engine.db import write_row
from engine.definitions import model_of
from engine.errors import Conflict, EngineError, ExecutionFailed, Forbidden
from engine.forms import form_of, validate_task_data, validate_variables
from engine.kept_messages import awaited_messages, deliver_kept_message  # noqa: F401 - awaited_messages: interface
from engine.models import Case, ProcessDefinition, User
from engine.projection import (
    NOTHING_PROJECTED, Projection, project_subscriptions, project_user_tasks, projection, schedule_jobs,
)
from engine.service_tasks import is_service_task, prepared_result
from engine.specs.compensation import COMPENSATED_KEY
from engine.stepping import StepFailed, TooManySteps, run_steps
from engine.substitutions import check_may_act_for, on_behalf_data


@dataclass(frozen=True)
class Origin:
    """Where a case comes from besides a person: the calling case (call activity) or the case whose event started it."""

    parent: Case | None = None
    parent_task_id: str | None = None
    source_case_id: str | None = None


def start_case(
    session: Session,
    ctx: EngineContext,
    definition: ProcessDefinition,
    *,
    authority_id: str,
    actor: str | None,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    subject: str | None = None,
    origin: Origin = Origin(),
) -> Case:
    """Create a case of ``definition`` and run it until it waits.

    A child case (``origin.parent``) is filed in its parent's file; if it ends
    while it starts, the caller takes its result at once (no ``call`` job).

    Raises:
        Conflict: every start event of the process is a timer; its cases start on the schedule only.
        InvalidData: ``data`` has names that are no plain identifiers, or values that cannot be stored.
        ExecutionFailed: a step failed; nothing was changed.
    """
    validate_variables(data or {}, "case data")
    if ctx.start_guard is not None:
        ctx.start_guard(session, definition, authority_id)
    model = model_of(definition)
    if model.starts_only_by_timer:
        events = ", ".join(f"'{timer.bpmn_id}'" for timer in model.start_timers)
        raise Conflict(f"process '{definition.key}' starts its cases on a schedule (timer start event {events}); "
                       "a case cannot be started by hand")
    parent = origin.parent
    case, workflow, case_data = new_case(
        ctx, definition, authority_id, actor, data,
        business_key if parent is None else parent.business_key, subject if parent is None else parent.subject)
    case.parent_case_id = parent.id if parent is not None else None
    case.parent_task_id = origin.parent_task_id
    case.source_case_id = origin.source_case_id
    session.add(case)
    started = {"process": definition.key, "version": definition.version, "data": data or {}}
    if parent is not None:
        started.update(parent_case_id=parent.id)
    if origin.source_case_id is not None:
        started.update(source_case_id=origin.source_case_id)
    ctx.events(session, case, "case.started", actor, started)
    _advance(session, ctx, case, workflow, case_data, actor, NOTHING_PROJECTED, returns_inline=parent is not None)
    return case


def start_case_by_timer(session: Session, ctx: EngineContext, definition: ProcessDefinition, *, bpmn_id: str,
                        occurrence: int, due: datetime) -> Case:
    """Start a case of ``definition`` because its timer start event ``bpmn_id`` fired, and run it until it waits.

    The case starts past the timer start event: the event counts as fired
    (Spiff would evaluate it again against the wall clock and, for a cycle,
    keep firing it inside this one case), so it completes at once and the step
    after it runs; the process's other start events are cancelled. The case
    has no actor; ``case.started`` names the event and the occurrence.
    """
    if ctx.start_guard is not None:
        ctx.start_guard(session, definition, definition.authority_id)
    case, workflow, case_data = new_case(ctx, definition, definition.authority_id, None, None, None, None)
    session.add(case)
    ctx.events(session, case, "case.started", None, {
        "process": definition.key, "version": definition.version, "data": {},
        "timer": {"bpmn_id": bpmn_id, "occurrence": occurrence, "due": due.isoformat()},
    })
    _fire_start_event(workflow, case_data, bpmn_id)
    _advance(session, ctx, case, workflow, case_data, None, NOTHING_PROJECTED)
    return case


def complete_task(session: Session, ctx: EngineContext, task_id: str, user: User, data: dict[str, Any],
                  on_behalf_of: User | None = None) -> Case:
    """Complete an open human task with ``data`` and run the case until it waits.

    ``on_behalf_of``: the absent colleague the user stands in for (Vertretung);
    the task must be assigned to them, and the history records it.

    Raises:
        NotFound: no such task in the user's authority.
        Conflict: the task is no longer open, or the case is not running.
        Forbidden: the task is claimed by someone else or not in the user's groups.
        InvalidData: ``data`` does not match the task's form.
        ExecutionFailed: a following automatic step failed; nothing was changed.
    """
    case, task_row = lock_task_and_case(session, task_id, user.authority_id)
    if task_row.status != "open":
        raise Conflict(f"task '{task_row.name}' is already {task_row.status}")
    task_rules.check_case_active(case, "completed")
    if on_behalf_of is not None:
        check_may_act_for(session, user, on_behalf_of, task_row, ctx.clock())
    check_may_work_on(task_row, on_behalf_of or user)
    data = validate_task_data(data, form_of(ctx.forms, case.definition, task_row.bpmn_id))

    workflow, case_data = restore(ctx, case)
    before = projection(workflow, ctx.clock())
    spiff_task = _find_ready_task(workflow, task_row.spiff_task_id)
    check_separation_of_duties(session, spiff_task, task_row, user)
    now = ctx.clock()
    completion = {"status": "completed", "completed_at": now, "completed_by": user.id}
    if task_row.claimed_at is None:
        completion.update(claimed_at=now, assignee_id=user.id)
    write_row(session, task_row, completion)
    before = before.without(task_row.spiff_task_id)  # its row is closed here, not by the projection

    case_data.refresh(spiff_task)
    spiff_task.data.update(json.loads(json.dumps(data)))
    spiff_task.data.update(task_rules.completion_variables(spiff_task.task_spec, user))
    _run_task(spiff_task)
    changes = case_data.absorb(spiff_task)
    ctx.events(
        session, case, "task.completed", user.username,
        {"task_id": task_row.id, "bpmn_id": task_row.bpmn_id, "name": task_row.name, "submitted": data,
         "changes": changes, **on_behalf_data(on_behalf_of)},
    )
    _advance(session, ctx, case, workflow, case_data, user.username, before)
    return case


def run_service_task(session: Session, ctx: EngineContext, case_id: str, spiff_task_id: str, result: Any,
                     call: dict[str, Any]) -> Case | None:
    """Complete a waiting service task with the result the worker obtained, and advance.

    Args:
        case_id: The case (locked here).
        spiff_task_id: The service task the job was queued for.
        result: The operation's result (JSON); stored under the task's result variable.
        call: Summary of the call (operation, request, response) for the audit log.

    Returns:
        The case, or None if the task no longer waits (interrupted meanwhile): nothing is changed then.

    Raises:
        Conflict: the case is not running.
        ExecutionFailed: the task or a following automatic step failed; nothing was changed.
    """
    case = lock_case(session, case_id)
    if case.status != "running":
        raise Conflict(f"case is {case.status}; its service tasks cannot complete")
    workflow, case_data = restore(ctx, case)
    before = projection(workflow, ctx.clock())
    task = next((t for t in workflow.get_tasks(state=TaskState.READY)
                 if str(t.id) == spiff_task_id and is_service_task(t)), None)
    if task is None:
        ctx.events(session, case, "service.discarded", None, {**call, "reason": "the task no longer waits"})
        return None
    ctx.events(session, case, "service.called", None, {**call, "step": task.task_spec.bpmn_name})
    case_data.refresh(task)
    with prepared_result(spiff_task_id, result):
        _run_task(task)
    _record_step(session, ctx, case, case_data, None, task)
    _advance(session, ctx, case, workflow, case_data, None, before)
    return case


def advance_case(session: Session, ctx: EngineContext, case_id: str) -> Case:
    """Reload a case and run it until it waits (timer jobs: fires what is due)."""
    case = lock_case(session, case_id)
    if case.status != "running":
        return case
    workflow, case_data = restore(ctx, case)
    _advance(session, ctx, case, workflow, case_data, None, projection(workflow, ctx.clock()))
    return case


def continue_with(session: Session, ctx: EngineContext, case: Case, actor: str | None,
                  change: Callable[[CaseWorkflow, CaseData], None]) -> None:
    """Restore a locked running case, apply ``change`` to its workflow (deliver an event, ...) and advance it."""
    workflow, case_data = restore(ctx, case)
    before = projection(workflow, ctx.clock())
    try:
        change(workflow, case_data)
    except WorkflowException as exc:
        raise ExecutionFailed(_describe_failure(exc)) from exc
    _advance(session, ctx, case, workflow, case_data, actor, before)


# --- internals -------------------------------------------------------------


def _fire_start_event(workflow: CaseWorkflow, case_data: CaseData, bpmn_id: str) -> None:
    """Make the start event ``bpmn_id`` READY as fired and cancel the other start events.

    The next engine steps run it (and record it like any step). A cycle timer
    has no predicted children (Spiff adds one set per cycle), so they are added
    here as Spiff's ``CycleTimerEventDefinition.update_task`` does.
    """
    start = workflow.get_next_task(state=TaskState.READY)  # the process's BpmnStartTask
    case_data.refresh(start)
    start.run()
    events = []
    for child in start.children:  # the start events, and event subprocesses Spiff hangs here
        if isinstance(child.task_spec, StartEventSplit):  # a process with several start events
            child.run()
            events.extend(child.children)
        elif isinstance(child.task_spec, StartEvent):
            events.append(child)
    for event in events:
        if event.task_spec.bpmn_id != bpmn_id:
            event.cancel()
            continue
        if not event.children:
            for output in event.task_spec.outputs:
                child = event._add_child(output, TaskState.FUTURE)
                child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
        event._ready()


def _advance(session: Session, ctx: EngineContext, case: Case, workflow: CaseWorkflow, case_data: CaseData,
             actor: str | None, before: Projection, returns_inline: bool = False) -> None:
    """Run automatic steps until the case waits, then persist everything.

    ``before`` is the projection of the state as it was restored (what rows,
    jobs and subscriptions exist in the database); only the difference to the
    new state is written. ``returns_inline``: the case is a child case being
    started by its caller, which takes the result itself if it ends now.
    """
    try:
        while True:
            run_steps(workflow, case_data, lambda task: _record_step(session, ctx, case, case_data, actor, task))
            if deliver_kept_message(session, ctx, case, workflow):
                continue
            if calls.start_children(session, ctx, case, workflow, case_data, _child_starter(session, ctx, actor)):
                continue
            break
        signals, messages, errors, escalations = take_thrown_events(workflow)
        error_code = _error_code(errors[0]) if errors else None
        if error_code is not None:
            workflow.cancel()
        compact(workflow)
        state = saved_state(workflow, case_data)
    except (WorkflowException, TooManySteps, CaseDataError) as exc:
        raise ExecutionFailed(_describe_failure(exc)) from exc
    except StepFailed as exc:
        raise ExecutionFailed(str(exc)) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a state Spiff cannot go on with or store
        raise ExecutionFailed(f"the case cannot go on: {type(exc).__name__}: {exc}") from exc
    if error_code is not None:
        state.update(status="failed", error_code=error_code, ended_at=ctx.clock())
    elif workflow.is_completed():
        state.update(status="completed", ended_at=ctx.clock())
    write_case(session, case, state)
    if error_code is not None:
        ctx.events(session, case, "case.failed", actor, {"error_code": error_code})
    elif case.status == "completed":
        ctx.events(session, case, "case.completed", actor, {})
    project_user_tasks(session, ctx, case, workflow, before)
    schedule_jobs(session, ctx, case, workflow, case_data, before)
    project_subscriptions(session, case, workflow, before)
    routing.queue(session, ctx, case, signals, messages)
    if calls.has_calls(workflow):
        calls.cancel_orphans(session, ctx, case, workflow)
    if case.parent_case_id is not None:
        calls.pass_up(session, ctx, case, [_error_code(event) for event in escalations], returns_inline)
    session.flush()


def _child_starter(session: Session, ctx: EngineContext, actor: str | None) -> calls.StartChild:
    def start(definition: ProcessDefinition, data: dict, parent: Case, task_id: str) -> Case:
        return start_case(session, ctx, definition, authority_id=parent.authority_id, actor=actor, data=data,
                          origin=Origin(parent=parent, parent_task_id=task_id))
    return start


def _error_code(event) -> str:
    definition = event.event_definition
    return getattr(definition, "code", None) or getattr(definition, "name", None) or "error"


def _record_step(session: Session, ctx: EngineContext, case: Case, case_data: CaseData, actor: str | None,
                 task) -> None:
    """Absorb what a step changed into the case data and write it into the history.

    A compensation throw event first lists the compensation handlers it ran,
    each as a step of its own (their changes are the throw event's).
    """
    changes = case_data.absorb(task)
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None:
        return
    for handler in task.internal_data.pop(COMPENSATED_KEY, []):
        ctx.events(session, case, "step.completed", actor,
                   {"bpmn_id": handler, "name": handler, "type": "CompensationHandler", "compensates_for": spec.bpmn_id})
    ctx.events(session, case, "step.completed", actor,
               {"bpmn_id": spec.bpmn_id, "name": spec.bpmn_name, "type": type(spec).__name__, "changes": changes})


def _describe_failure(exc: Exception) -> str:
    task_spec = getattr(exc, "task_spec", None)
    task = getattr(exc, "task", None)
    if task_spec is None and task is not None:
        task_spec = task.task_spec
    where = getattr(task_spec, "bpmn_id", None) or getattr(task_spec, "name", None)
    return f"step '{where}' failed: {exc}" if where else f"process step failed: {exc}"


def _run_task(spiff_task) -> None:
    try:
        spiff_task.run()
    except WorkflowException as exc:
        raise ExecutionFailed(_describe_failure(exc)) from exc
    except EngineError:
        raise
    except Exception as exc:  # anything else a step raises names the step, never a 500
        raise ExecutionFailed(f"step '{spiff_task.task_spec.bpmn_id}' failed: {type(exc).__name__}: {exc}") from exc


def _find_ready_task(workflow: CaseWorkflow, spiff_task_id: str):
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if str(task.id) == spiff_task_id:
            return task
    raise Conflict("task is no longer waiting in the process (it was interrupted)")
