"""The engine's core loop: start a case, complete a human task, advance.

Every public function works inside the caller's transaction and never
commits. The sequence is always: lock the case row -> restore the workflow ->
run SpiffWorkflow until it waits -> write state, task rows, audit events and
the jobs for what happens next (service calls, timers) -> flush. If the
process dies at any point before the caller commits, the database rolls the
whole transaction back: the case keeps its previous state, the human task
stays open, no job is queued or finished, and no audit event claims something
that did not happen. A worker that dies in the middle of a job has not
committed either; its job's lease expires and another worker runs it again
from the unchanged case (see engine.jobs).

Spiff runs one task at a time; ``CaseData`` keeps one consistent data set per
case across parallel branches, and ``compact`` drops finished history so a
long case costs the same per step as a short one. Service tasks are not run
here: the case waits at them and a ``service`` job calls the operation in the
background worker (engine.service_tasks). Waiting timers become ``timer`` jobs
(engine.timers); messages kept for the case are delivered as soon as it
waits for them (engine.messages). A case of a timer start event's schedule is
started by ``start_case_by_timer`` past that event (engine.start_timers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Protocol

from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from engine import jobs, serializer
from engine.case_data import CaseData, DataLimits, check_result_size
from engine.compaction import compact
from engine.connectors.config import ConnectorConfig
from engine.connectors.systems import OperationDeclaration
from engine.db import new_id, utcnow, write_row
from engine.definitions import model_of
from engine.errors import Conflict, ExecutionFailed, Forbidden, NotFound
from engine.forms import FormRegistry, form_of, validate_task_data, validate_variables
from engine.models import Case, ProcessDefinition, User, UserTask
from engine.models_jobs import STEP_JOB_KINDS, CaseMessage, Job
from engine.registry import ServiceRegistry
from engine.script_engine import SandboxLimits
from engine.service_tasks import DeferredServiceScriptEngine, is_service_task, prepared_result, service_job_payload
from engine.substitutions import check_may_act_for, on_behalf_data
from engine.timers import pending_timers


class EventSink(Protocol):
    """Receives what happens to a case, inside the same transaction (the audit log)."""

    def __call__(self, session: Session, case: Case, kind: str, actor: str | None, data: dict) -> None: ...


@dataclass
class EngineContext:
    """Everything the engine needs that is configured outside it."""

    events: EventSink
    registry: ServiceRegistry = field(default_factory=ServiceRegistry)
    forms: FormRegistry = field(default_factory=FormRegistry)
    clock: Callable[[], datetime] = utcnow
    script_time_limit: float = 1.0
    script_memory_limit: int = 256 * 2**20
    script_processes: int = 2
    data_limits: DataLimits = field(default_factory=DataLimits)
    service_max_attempts: int = 5
    message_ttl: timedelta = timedelta(days=30)
    job_handlers: dict[str, jobs.JobHandler] = field(default_factory=dict)
    connectors: ConnectorConfig = field(default_factory=ConnectorConfig)
    declared_operations: Callable[[ProcessDefinition], Mapping[str, OperationDeclaration]] = lambda definition: {}
    """Connector operations a definition's package declares (engine/connectors/systems.py)."""
    start_guard: Callable[[Session, ProcessDefinition, str], None] | None = None
    """Called before a case of (definition, authority id) starts; raises to refuse it (an imported package not set up)."""

    def __post_init__(self) -> None:
        limits = SandboxLimits(self.script_time_limit, self.script_memory_limit, self.data_limits.case_data_bytes,
                               self.script_processes)
        self.script_engine = DeferredServiceScriptEngine(registry=self.registry, limits=limits)


@dataclass(frozen=True)
class Projection:
    """What the database holds for a workflow state: the open task rows and whether timer or service jobs wait.

    Every save of a case projects its state (``_project_user_tasks``,
    ``_schedule_jobs``), so the projection of the state as restored tells which
    rows and jobs exist without reading them back.
    """

    human_tasks: frozenset[str]
    has_timers: bool
    has_services: bool

    def without(self, spiff_task_id: str) -> Projection:
        """The same projection without the row of one task (closed by the caller)."""
        return Projection(self.human_tasks - {spiff_task_id}, self.has_timers, self.has_services)


NOTHING_PROJECTED = Projection(frozenset(), False, False)
"""A new case has no task rows and no jobs yet."""


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
) -> Case:
    """Create a case of ``definition`` and run it until it waits.

    Raises:
        Conflict: every start event of the process is a timer; its cases start on the schedule only.
        InvalidData: ``data`` has names that are no plain identifiers, or values that cannot be stored.
    """
    validate_variables(data or {}, "case data")
    if ctx.start_guard is not None:
        ctx.start_guard(session, definition, authority_id)
    model = model_of(definition)
    if model.starts_only_by_timer:
        events = ", ".join(f"'{timer.bpmn_id}'" for timer in model.start_timers)
        raise Conflict(f"process '{definition.key}' starts its cases on a schedule (timer start event {events}); "
                       "a case cannot be started by hand")
    case, workflow, case_data = _new_case(ctx, definition, authority_id, actor, data, business_key, subject)
    session.add(case)
    ctx.events(session, case, "case.started", actor, {"process": definition.key, "version": definition.version, "data": data or {}})
    _advance(session, ctx, case, workflow, case_data, actor, NOTHING_PROJECTED)
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
    case, workflow, case_data = _new_case(ctx, definition, definition.authority_id, None, None, None, None)
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
    case, task_row = _lock_task_and_case(session, task_id, user.authority_id)
    if task_row.status != "open":
        raise Conflict(f"task '{task_row.name}' is already {task_row.status}")
    if case.status != "running":
        raise Conflict(f"case is {case.status}; its tasks cannot be completed")
    if on_behalf_of is not None:
        check_may_act_for(session, user, on_behalf_of, task_row, ctx.clock())
    _check_may_work_on(task_row, on_behalf_of or user)
    data = validate_task_data(data, form_of(ctx.forms, case.definition, task_row.bpmn_id))

    workflow, case_data = _restore(ctx, case)
    before = _projection(workflow, ctx.clock())
    spiff_task = _find_ready_task(workflow, task_row.spiff_task_id)
    _check_separation_of_duties(session, spiff_task, task_row, user)
    now = ctx.clock()
    completion = {"status": "completed", "completed_at": now, "completed_by": user.id}
    if task_row.claimed_at is None:
        completion.update(claimed_at=now, assignee_id=user.id)
    write_row(session, task_row, completion)
    before = before.without(task_row.spiff_task_id)  # its row is closed here, not by the projection

    case_data.refresh(spiff_task)
    spiff_task.data.update(json.loads(json.dumps(data)))
    _run_task(spiff_task)
    changes = case_data.absorb(spiff_task)
    ctx.events(
        session, case, "task.completed", user.username,
        {"task_id": task_row.id, "bpmn_id": task_row.bpmn_id, "name": task_row.name, "submitted": data,
         "changes": changes, **on_behalf_data(on_behalf_of)},
    )
    _advance(session, ctx, case, workflow, case_data, user.username, before)
    return case


def claim_task(session: Session, ctx: EngineContext, task_id: str, user: User, assignee: User | None = None,
               on_behalf_of: User | None = None) -> UserTask:
    """Assign an open task to ``assignee`` (default: the user); supervisors may assign others.

    ``on_behalf_of``: the absent colleague the user stands in for (Vertretung);
    the user takes over a task assigned to them, and the history records it.
    """
    assignee = assignee or user
    task_row = _load_task(session, task_id, user.authority_id, for_update=True)
    if task_row.status != "open":
        raise Conflict(f"task '{task_row.name}' is already {task_row.status}")
    if on_behalf_of is not None:
        check_may_act_for(session, user, on_behalf_of, task_row, ctx.clock())
        assignee = user
    else:
        _check_may_assign(task_row, user, assignee)
    if task_row.assignee_id != assignee.id:
        task_row.assignee, task_row.claimed_at = assignee, ctx.clock()
        case = session.get(Case, task_row.case_id)
        ctx.events(session, case, "task.claimed", user.username, {"task_id": task_row.id, "name": task_row.name,
                                                                  "assignee": assignee.username,
                                                                  **on_behalf_data(on_behalf_of)})
    session.flush()
    return task_row


def unclaim_task(session: Session, ctx: EngineContext, task_id: str, user: User) -> UserTask:
    """Give a claimed task back to its candidate group."""
    task_row = _load_task(session, task_id, user.authority_id, for_update=True)
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
    workflow, case_data = _restore(ctx, case)
    before = _projection(workflow, ctx.clock())
    task = _find_waiting_service_task(workflow, spiff_task_id)
    if task is None:
        ctx.events(session, case, "service.discarded", None, {**call, "reason": "the task no longer waits"})
        return None
    ctx.events(session, case, "service.called", None, call)
    case_data.refresh(task)
    with prepared_result(spiff_task_id, result):
        _run_task(task)
    changes = case_data.absorb(task)
    ctx.events(
        session, case, "step.completed", None,
        {"bpmn_id": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name, "type": type(task.task_spec).__name__,
         "changes": changes},
    )
    _advance(session, ctx, case, workflow, case_data, None, before)
    return case


def advance_case(session: Session, ctx: EngineContext, case_id: str) -> Case:
    """Reload a case and run it until it waits (timer jobs: fires what is due)."""
    case = lock_case(session, case_id)
    if case.status != "running":
        return case
    workflow, case_data = _restore(ctx, case)
    _advance(session, ctx, case, workflow, case_data, None, _projection(workflow, ctx.clock()))
    return case


def keep_message(session: Session, ctx: EngineContext, case: Case, name: str, data: dict[str, Any],
                 actor: str | None) -> CaseMessage:
    """Store a message for a case and deliver it at once if the case waits for it.

    The case must be locked by the caller (``lock_case``). A message the case
    does not wait for yet is kept until ``ctx.message_ttl`` has passed and is
    delivered as soon as the case reaches a matching catch event.
    """
    check_result_size(data, ctx.data_limits, f"message '{name}'")
    now = ctx.clock()
    message = CaseMessage(
        authority_id=case.authority_id, case_id=case.id, name=name, data=json.loads(json.dumps(data)),
        status="pending", received_at=now, expires_at=now + ctx.message_ttl, sent_by=actor,
    )
    session.add(message)
    session.flush()
    ctx.events(session, case, "message.received", actor, {"message_id": message.id, "name": name, "data": message.data})
    if case.status == "running":
        workflow, case_data = _restore(ctx, case)
        _advance(session, ctx, case, workflow, case_data, actor, _projection(workflow, now))
    return message


@dataclass(frozen=True)
class AwaitedMessage:
    """A message a case waits for: the BPMN message name and the name of the element that waits."""

    name: str
    step: str


def awaited_messages(ctx: EngineContext, case: Case) -> list[AwaitedMessage]:
    """Return the messages the case currently waits for at catch events, receive tasks or boundary events."""
    workflow, _ = _restore(ctx, case)
    awaited = {}
    for task in workflow.event_manager.tasks.values():
        event = task.task_spec.event_definition.details(task)
        if "Message" in event.event_type:
            awaited.setdefault(event.name, AwaitedMessage(event.name, task.task_spec.bpmn_name or event.name))
    return sorted(awaited.values(), key=lambda m: m.step)


def start_event_messages(definition: ProcessDefinition) -> set[str]:
    """Return the names of the messages that start a case of ``definition``."""
    start = model_of(definition).spec.start
    names = set()
    for spec in start.outputs:
        definition_ = getattr(spec, "event_definition", None)
        if definition_ is not None and "Message" in type(definition_).__name__:
            names.add(definition_.name)
    return names


def suspend_case(session: Session, ctx: EngineContext, case_id: str, user: User, reason: str) -> Case:
    """Suspend a running case: its tasks cannot be completed and its jobs wait."""
    case = _case_for_operation(session, case_id, user, "suspend")
    if case.status != "running":
        raise Conflict(f"only running cases can be suspended; this case is {case.status}")
    case.status = "suspended"
    ctx.events(session, case, "case.suspended", user.username, {"reason": reason})
    session.flush()
    return case


def resume_case(session: Session, ctx: EngineContext, case_id: str, user: User, reason: str) -> Case:
    """Resume a suspended case; its waiting jobs run again."""
    case = _case_for_operation(session, case_id, user, "resume")
    if case.status != "suspended":
        raise Conflict(f"only suspended cases can be resumed; this case is {case.status}")
    case.status = "running"
    ctx.events(session, case, "case.resumed", user.username, {"reason": reason})
    session.flush()
    return case


def cancel_case(session: Session, ctx: EngineContext, case_id: str, user: User, reason: str) -> Case:
    """Cancel a running or suspended case: open tasks, waiting jobs and kept messages end."""
    case = _case_for_operation(session, case_id, user, "cancel")
    if case.status not in ("running", "suspended"):
        raise Conflict(f"only running or suspended cases can be cancelled; this case is {case.status}")
    now = ctx.clock()
    case.status, case.ended_at = "cancelled", now
    ctx.events(session, case, "case.cancelled", user.username, {"reason": reason})
    for row in session.scalars(select(UserTask).where(UserTask.case_id == case.id, UserTask.status == "open")):
        row.status, row.completed_at = "cancelled", now
        ctx.events(session, case, "task.cancelled", user.username, {"task_id": row.id, "name": row.name})
    jobs.cancel_waiting(session, case.id, now=now, kinds=STEP_JOB_KINDS)
    session.execute(
        update(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.status == "pending")
        .values(status="expired").execution_options(synchronize_session=False)
    )
    session.flush()
    return case


def lock_case(session: Session, case_id: str, authority_id: str | None = None) -> Case:
    """Lock and return a case row (fresh from the database).

    Raises:
        NotFound: no such case (in the given authority).
    """
    query = select(Case).where(Case.id == case_id)
    if authority_id is not None:
        query = query.where(Case.authority_id == authority_id)
    case = session.scalar(query.with_for_update(of=Case).execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"no case with id '{case_id}'")
    return case


# --- internals -------------------------------------------------------------


def _new_case(ctx: EngineContext, definition: ProcessDefinition, authority_id: str, actor: str | None,
              data: dict[str, Any] | None, business_key: str | None, subject: str | None,
              ) -> tuple[Case, BpmnWorkflow, CaseData]:
    """Create a case row and its workflow, saved in a valid state before anything ran."""
    model = model_of(definition)
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=ctx.script_engine)
    case = Case(
        id=new_id(),
        authority_id=authority_id,
        definition=definition,
        definition_id=definition.id,
        business_key=business_key,
        subject=subject,
        started_by=actor,
        started_at=ctx.clock(),
    )
    case_data = CaseData(limits=ctx.data_limits)
    _apply_external_data(case_data, data or {})
    for name, value in _saved_state(workflow, case_data).items():
        setattr(case, name, value)
    return case, workflow, case_data


def _fire_start_event(workflow: BpmnWorkflow, case_data: CaseData, bpmn_id: str) -> None:
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


def _advance(session: Session, ctx: EngineContext, case: Case, workflow: BpmnWorkflow, case_data: CaseData,
             actor: str | None, before: Projection) -> None:
    """Run automatic steps until the case waits, then persist everything.

    ``before`` is the projection of the state as it was restored (what rows and
    jobs exist in the database); only the difference to the new state is written.
    """

    def did_complete(task) -> None:
        changes = case_data.absorb(task)
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id is not None:
            ctx.events(
                session, case, "step.completed", actor,
                {"bpmn_id": bpmn_id, "name": task.task_spec.bpmn_name, "type": type(task.task_spec).__name__, "changes": changes},
            )

    try:
        _engine_steps(workflow, case_data.refresh, did_complete)
        while _deliver_kept_message(session, ctx, case, workflow):
            _engine_steps(workflow, case_data.refresh, did_complete)
    except WorkflowException as exc:
        raise ExecutionFailed(_describe_failure(exc)) from exc
    compact(workflow)
    state = _saved_state(workflow, case_data)
    if workflow.is_completed():
        state.update(status="completed", ended_at=ctx.clock())
    _write_case(session, case, state)
    if workflow.is_completed():
        ctx.events(session, case, "case.completed", actor, {})
    _project_user_tasks(session, ctx, case, workflow, before)
    _schedule_jobs(session, ctx, case, workflow, case_data, before)


def _engine_steps(workflow: BpmnWorkflow, will_complete: Callable, did_complete: Callable) -> None:
    """``BpmnWorkflow.do_engine_steps`` of Spiff 3.2.0, except that service tasks are left READY.

    Due timers are refreshed before each round (Spiff only refreshes them at the
    end), so a timer job's advance runs what the timer released.
    """

    def run_ready(wf) -> int:
        count = 0
        for task in wf.get_tasks(state=TaskState.READY):
            if task.task_spec.manual or is_service_task(task) or not task.has_state(TaskState.READY):
                continue
            will_complete(task)
            task.run()
            count += 1
            did_complete(task)
        return count

    while True:
        workflow.refresh_timers()
        active = workflow.get_active_subprocesses()
        ran = 0
        for subprocess in sorted(active, key=lambda sp: sp.depth, reverse=True):
            count = None
            while count is None or count > 0:
                count = run_ready(subprocess)
                ran += count
            if subprocess.parent_task_id is not None:
                task = workflow.get_task_from_id(subprocess.parent_task_id)
                task.task_spec._update(task)
        ran += run_ready(workflow)
        if ran == 0 and len(workflow.get_active_subprocesses()) <= len(active):
            break


def _describe_failure(exc: WorkflowException) -> str:
    task_spec = getattr(exc, "task_spec", None)
    where = getattr(task_spec, "bpmn_id", None) or getattr(task_spec, "name", None)
    return f"step '{where}' failed: {exc}" if where else f"process step failed: {exc}"


def _run_task(spiff_task) -> None:
    try:
        spiff_task.run()
    except WorkflowException as exc:
        raise ExecutionFailed(_describe_failure(exc)) from exc


def _apply_external_data(case_data: CaseData, data: dict) -> None:
    case_data.values.update(json.loads(json.dumps(data)))
    for key in data:
        case_data.counter += 1
        case_data.versions[key] = case_data.counter
    case_data.check_size("the start data")


def _restore(ctx: EngineContext, case: Case) -> tuple[BpmnWorkflow, CaseData]:
    model = model_of(case.definition)
    workflow = serializer.deserialize(json.loads(case.state), model.spec, model.subprocess_specs)
    workflow.script_engine = ctx.script_engine
    case_data = CaseData.from_dict({"values": case.data, "versions": case.data_versions, "counter": case.data_counter},
                                   ctx.data_limits)
    return workflow, case_data


def _saved_state(workflow: BpmnWorkflow, case_data: CaseData) -> dict[str, Any]:
    """Return the case columns that hold the workflow state and the case data."""
    saved = case_data.to_dict()
    return {
        "state": json.dumps(serializer.serialize(workflow), separators=(",", ":")),
        "serializer_version": serializer.SERIALIZER_VERSION,
        "data": saved["values"], "data_versions": saved["versions"], "data_counter": saved["counter"],
    }


def _write_case(session: Session, case: Case, values: dict[str, Any]) -> None:
    """Write the case row: a case created in this transaction is inserted, an existing one updated.

    A new case is flushed by the ORM, together with the rows that refer to it
    (its file, for instance). An existing case is updated with one statement
    that also moves its revision (the ORM's optimistic lock: the statement
    only matches the revision that was read, so an update that raced us
    fails with StaleDataError instead of overwriting it).
    """
    if inspect(case).persistent:
        write_row(session, case, values)
    else:
        for name, value in values.items():
            setattr(case, name, value)
        session.flush()


def _project_user_tasks(session: Session, ctx: EngineContext, case: Case, workflow: BpmnWorkflow,
                        before: Projection) -> None:
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
    rows = [_new_task_row(ctx, case, spiff_task) for spiff_id, spiff_task in ready.items()
            if spiff_id not in before.human_tasks]
    if rows:
        session.execute(insert(UserTask.__table__), rows)
    for row in rows:
        ctx.events(
            session, case, "task.created", None,
            {"task_id": row["id"], "bpmn_id": row["bpmn_id"], "name": row["name"],
             "candidate_group": row["candidate_group"]},
        )


def _projection(workflow: BpmnWorkflow, now: datetime) -> Projection:
    ready = workflow.get_tasks(state=TaskState.READY)
    return Projection(
        human_tasks=frozenset(str(t.id) for t in ready if t.task_spec.manual and not is_service_task(t)),
        has_timers=bool(pending_timers(workflow, now)),
        has_services=any(is_service_task(t) for t in ready),
    )


def _ready_human_tasks(workflow: BpmnWorkflow) -> dict[str, Any]:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if not is_service_task(t)}


def _new_task_row(ctx: EngineContext, case: Case, spiff_task) -> dict[str, Any]:
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
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        candidate_group=properties.get("candidateGroup") or spec.lane,
        priority=_int_property(properties, "priority", 50),
        due_at=now + timedelta(days=_int_property(properties, "dueInDays", 0)) if "dueInDays" in properties else None,
        business_key=case.business_key,
        subject=case.subject,
        created_at=now,
    )


def _int_property(properties: dict, name: str, default: int) -> int:
    try:
        return int(properties.get(name, default))
    except (TypeError, ValueError):
        return default


def _find_ready_task(workflow: BpmnWorkflow, spiff_task_id: str):
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if str(task.id) == spiff_task_id:
            return task
    raise Conflict("task is no longer waiting in the process (it was interrupted)")


def _load_task(session: Session, task_id: str, authority_id: str, for_update: bool = False) -> UserTask:
    """Load (and lock) a task row; its case comes along without its state, for the events about the task."""
    query = (select(UserTask, Case).join(Case, Case.id == UserTask.case_id)
             .where(UserTask.id == task_id, UserTask.authority_id == authority_id)
             .options(lazyload(UserTask.assignee), load_only(Case.id, Case.authority_id, Case.status), lazyload(Case.definition)))
    if for_update:
        query = query.with_for_update(of=UserTask)
    row = session.execute(query.execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound(f"no task with id '{task_id}'")
    set_committed_value(row[0], "case", row[1])  # held by the task: the session keeps it for ``session.get``
    return row[0]


def _lock_task_and_case(session: Session, task_id: str, authority_id: str) -> tuple[Case, UserTask]:
    """Lock a task row and its case in one statement; concurrent completions of the case's tasks queue up here.

    Both rows are read after the locks are granted (PostgreSQL re-reads locked
    rows), so a completion that waited sees the task as the other one left it.
    """
    row = session.execute(
        select(Case, UserTask).join(UserTask, UserTask.case_id == Case.id)
        .where(UserTask.id == task_id, UserTask.authority_id == authority_id)
        .options(lazyload(UserTask.assignee))
        .with_for_update(of=[Case, UserTask])
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no task with id '{task_id}'")
    return row[0], row[1]


def _check_separation_of_duties(session: Session, spiff_task, task_row: UserTask, user: User) -> None:
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


def _check_may_assign(task_row: UserTask, user: User, assignee: User) -> None:
    if assignee.authority_id != user.authority_id:
        raise NotFound("no such user in your authority")
    if assignee.id != user.id and not user.has_role("supervisor"):
        raise Forbidden("only supervisors may assign tasks to others")
    if task_row.assignee_id not in (None, assignee.id) and not user.has_role("supervisor"):
        raise Conflict("task is already claimed by someone else")
    _check_may_work_on(task_row, assignee, claiming=True)


def _check_may_work_on(task_row: UserTask, user: User, claiming: bool = False) -> None:
    if task_row.assignee_id is not None and task_row.assignee_id != user.id and not claiming:
        raise Forbidden("task is claimed by someone else")
    if task_row.assignee_id == user.id and not claiming:
        return
    if task_row.candidate_group and task_row.candidate_group not in user.groups and not user.has_role("supervisor"):
        raise Forbidden(f"task belongs to group '{task_row.candidate_group}', which you are not a member of")


def _case_for_operation(session: Session, case_id: str, user: User, action: str) -> Case:
    if not user.has_role("supervisor"):
        raise Forbidden(f"only supervisors may {action} cases")
    return lock_case(session, case_id, user.authority_id)


def _find_waiting_service_task(workflow: BpmnWorkflow, spiff_task_id: str):
    for task in workflow.get_tasks(state=TaskState.READY):
        if str(task.id) == spiff_task_id and is_service_task(task):
            return task
    return None


def _deliver_kept_message(session: Session, ctx: EngineContext, case: Case, workflow: BpmnWorkflow) -> bool:
    """Deliver the oldest kept message the workflow waits for; tell whether one was delivered."""
    waiting = {}
    for task in workflow.event_manager.tasks.values():
        definition = getattr(task.task_spec, "event_definition", None)
        if definition is not None and "Message" in type(definition).__name__:
            waiting.setdefault(definition.name, definition)
    if not waiting:
        return False
    now = ctx.clock()
    message = session.scalar(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id, CaseMessage.status == "pending", CaseMessage.name.in_(waiting),
               CaseMessage.expires_at > now)
        .order_by(CaseMessage.received_at, CaseMessage.id).limit(1)
    )
    if message is None:
        return False
    workflow.catch(BpmnEvent(waiting[message.name], payload=message.data))
    message.status, message.delivered_at = "delivered", now
    ctx.events(session, case, "message.delivered", None, {"message_id": message.id, "name": message.name})
    return True


def _schedule_jobs(session: Session, ctx: EngineContext, case: Case, workflow: BpmnWorkflow, case_data: CaseData,
                   before: Projection) -> None:
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
