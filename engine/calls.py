"""Call activities run their called process as a child case of the calling case.

While the calling case advances, every call activity that waits without a
child case gets one (``start_children``): the called definition is looked up
(engine/specs/calls.py says which), the child case starts with the mapped
input data, ``parent_case_id``/``parent_task_id`` name the call activity, and
it runs until it waits, in the same transaction. A child that ends at once
returns at once: its result goes to the call activity, which continues. A
child that ends later queues a ``call`` job (``pass_up``); the job locks
the calling case and continues it (engine.case_events.resume_call). A child that
failed with a BPMN error throws that error at the call activity: its error
boundary event, an enclosing one, or the calling case fails too. An
escalation the child does not catch is thrown at the call activity the same
way (at once, or by a ``call`` job), while the child goes on; nothing happens
if nothing catches it there.

If the process dies before the commit, neither the child case nor the
progress of the caller exists; the transaction runs again as a whole. The
child of a call activity that no longer waits (interrupted by a boundary
event, or its case ended) is cancelled (``cancel_orphans``).

Nesting is limited to ``MAX_CALL_DEPTH`` child cases started inside one
transaction (a process calling itself without waiting would never end).
"""

from __future__ import annotations

import contextvars
from typing import Callable

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition, EscalationEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import jobs
from engine.case_operations import end_case_tree
from engine.case_rows import lock_case
from engine.definitions import model_of, visible_to
from engine.errors import ExecutionFailed
from engine.models import Case, ProcessDefinition
from engine.models_jobs import Job
from engine.specs.calls import CHILD_KEY, INPUT_COUNT_KEY, RESULT_KEY, ChildCaseCall, input_data

MAX_CALL_DEPTH = 20
RETURN_PENDING_KEY = "child_returned"
"""Internal data of a call activity task whose child ended at once: its result is delivered in the next round."""
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("aktenfluss_call_depth", default=0)

StartChild = Callable[[ProcessDefinition, dict, Case, str], Case]
"""Starts a child case: (definition, data, calling case, Spiff id of the call activity task) -> the child."""


def waiting_calls(workflow) -> list:
    """The call activity tasks of a workflow (its subprocesses included) that wait for their child case."""
    return [task for wf in [workflow, *workflow.subprocesses.values()]
            for task in wf.get_tasks(state=TaskState.WAITING) if isinstance(task.task_spec, ChildCaseCall)]


def has_calls(workflow) -> bool:
    """Tell whether the process (or one of its subprocesses) has call activities."""
    return any(isinstance(spec, ChildCaseCall)
               for process in [workflow.spec, *workflow.subprocess_specs.values()]
               for spec in process.task_specs.values())


def start_children(session: Session, ctx, case: Case, workflow, case_data, start_child: StartChild) -> bool:
    """Start a child case for each call activity that waits without one; tell whether one returned at once.

    Raises:
        ExecutionFailed: the called process is not deployed, its input is missing, or calls nest too deep.
    """
    returned = False
    for task in waiting_calls(workflow):
        if CHILD_KEY in task.internal_data:
            if task.internal_data.pop(RETURN_PENDING_KEY, False):
                deliver_result(task, session.get(Case, task.internal_data[CHILD_KEY]))
                returned = True
            continue
        spec = task.task_spec
        definition = called_definition(session, case, spec)
        model = model_of(definition)
        case_data.sync(task)
        data = input_data(spec, task, _io_names(model.spec, "data_inputs"))
        if _depth.get() >= MAX_CALL_DEPTH:
            raise ExecutionFailed(f"call activity '{spec.bpmn_id}': calls nest deeper than {MAX_CALL_DEPTH} cases "
                                  "without waiting")
        token = _depth.set(_depth.get() + 1)
        try:
            child = start_child(definition, data, case, str(task.id))
        finally:
            _depth.reset(token)
        task.internal_data[CHILD_KEY] = child.id
        task.internal_data[INPUT_COUNT_KEY] = len(data)
        ctx.events(session, case, "call.started", None, {
            "bpmn_id": spec.bpmn_id, "child_case_id": child.id, "process": definition.key,
            "version": definition.version})
        escalations = getattr(child, "escalations", ())
        for code in escalations:
            deliver_escalation(task, code)
        if task.state != TaskState.WAITING:  # an escalation boundary event interrupted the call
            returned = True
        elif child.status in ("completed", "failed"):
            if escalations:  # the paths of caught non-interrupting boundary events run before the call ends
                task.internal_data[RETURN_PENDING_KEY] = True
            else:
                deliver_result(task, child)
            returned = True
    return returned


def called_definition(session: Session, case: Case, spec: ChildCaseCall) -> ProcessDefinition:
    """The definition a call activity of ``case`` calls (same deployment, pinned version, or latest)."""
    target = spec.target
    visible = visible_to(case.authority_id)
    query = select(ProcessDefinition).where(ProcessDefinition.key == target.key, visible)
    if target.version is not None:
        found = session.scalar(query.where(ProcessDefinition.version == target.version))
    else:
        found = session.scalar(query.where(ProcessDefinition.content_hash == case.definition.content_hash)
                               .order_by(ProcessDefinition.version.desc()).limit(1))
        found = found or session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if found is None:
        version = f" version {target.version}" if target.version is not None else ""
        raise ExecutionFailed(f"call activity '{spec.bpmn_id}' calls process '{target.key}'{version}, which is not "
                              "deployed")
    return found


def deliver_result(task, child: Case) -> None:
    """Hand a child case's outcome to its call activity task: its data (completed) or its error (failed)."""
    if child.status == "completed":
        outputs = _io_names(model_of(child.definition).spec, "data_outputs")
        inputs = task.internal_data.get(INPUT_COUNT_KEY, 0)  # the start data has the versions 1..inputs
        changed = [key for key, version in (child.data_versions or {}).items() if version > inputs]
        task.internal_data[RESULT_KEY] = {"data": child.data, "outputs": outputs, "changed": changed}
        task.task_spec._update(task)
        return
    code = child.error_code or "error"
    event = BpmnEvent(ErrorEventDefinition(code, code=code), payload=child.data, target=task.workflow)
    task.workflow.top_workflow.catch(event)


def deliver_escalation(task, code: str) -> None:
    """Throw an escalation a child case did not catch at its call activity (a boundary event may catch it)."""
    event = BpmnEvent(EscalationEventDefinition(code, code=code), payload={}, target=task.workflow)
    task.workflow.top_workflow.catch(event)


def pass_up(session: Session, ctx, child: Case, escalations: list[str], returns_inline: bool) -> None:
    """Hand what a child case's advance produced for its calling case to it: escalations and, if it ended, its end.

    A child started by its caller in this very advance (``returns_inline``)
    keeps them on the object for the caller (``start_children``); otherwise a
    ``call`` job takes them to the calling case (engine.case_events.resume_call).
    """
    ended = child.status in ("completed", "failed")
    if returns_inline:
        child.escalations = escalations
    elif ended or escalations:
        number = session.scalar(select(func.count()).select_from(Job).where(
            Job.case_id == child.parent_case_id, Job.kind == "call"))
        jobs.enqueue(session, "call", now=ctx.clock(), case_id=child.parent_case_id, authority_id=child.authority_id,
                     payload={"child_case_id": child.id, "task_id": child.parent_task_id, "ended": ended,
                              "escalations": escalations},
                     dedupe_key=f"call:{child.id}" if ended else f"call:{child.id}:escalation:{number}")


def cancel_orphans(session: Session, ctx, case: Case, workflow) -> None:
    """Cancel the running child cases whose call activity no longer waits for them (or whose caller ended)."""
    waiting = set() if case.status != "running" else {
        task.internal_data.get(CHILD_KEY) for task in waiting_calls(workflow)}
    children = session.scalars(select(Case.id).where(
        Case.parent_case_id == case.id, or_(Case.status == "running", Case.status == "suspended"))).all()
    for child_id in sorted(set(children) - waiting):
        child = lock_case(session, child_id)
        if child.status in ("running", "suspended"):
            end_case_tree(session, ctx, child, None, "the call activity that started it no longer waits")


def _io_names(spec, kind: str) -> list[str] | None:
    io = getattr(spec, "io_specification", None)
    items = getattr(io, kind, None) if io is not None else None
    return [item.bpmn_id for item in items] if items else None
