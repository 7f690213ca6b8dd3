"""The engine's step loop: run a case's automatic steps, one at a time, until it waits.

This is ``BpmnWorkflow.do_engine_steps`` (subprocesses first, the deepest
first, each until it has nothing left to run, then the process around them;
within one workflow the READY tasks in tree order, round after round) with
three differences:

1. an event that was just caught runs at once, before anything else: a
   boundary event, or the start event of an event subprocess. Spiff would let
   the rest of the subprocess run first, so an escalation thrown inside a
   subprocess would interrupt it only after it ended (BPMN 10.5.1: caught at
   once);
2. human tasks and service tasks are never run here (the case waits at them);
   what a script task's script raises is a BPMN error at that task if one of
   its error boundary events catches it (the exception's message is the code);
3. before each round, due timers are refreshed (Spiff only refreshes them at
   the end) and waiting conditional events are evaluated against the case data
   of this moment, so a conditional boundary event fires as soon as a step
   inside the activity makes its condition true (Spiff only re-evaluates the
   waiting events of the workflow where a task completed, with their own old
   copy of the data).

Everything happens in memory; the caller persists the result (engine/runner.py).
"""

from __future__ import annotations

from typing import Callable

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.case_data import CaseData
from engine.sandbox.errors import ScriptDataError, ScriptResourceError, ScriptSecurityError, ScriptTimeout
from engine.service_tasks import is_service_task
from engine.specs.events import event_subprocess_task
from engine.specs.messages import CaseConditionalEventDefinition

SANDBOX_FAILURES = (ScriptSecurityError, ScriptTimeout, ScriptResourceError, ScriptDataError)
"""What the sandbox raises about a script (not the script's own exceptions): never a BPMN error."""
MAX_STEPS = 100_000
"""Steps one advance may take; a model that loops forever without waiting fails instead of hanging the worker."""


class TooManySteps(Exception):
    """A case ran ``MAX_STEPS`` steps without waiting (an endless loop of automatic steps)."""


class StepFailed(Exception):
    """A step raised something other than a workflow error (a gap in Spiff, a bad value); names the step."""

    def __init__(self, task, exc: Exception):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        super().__init__(f"step '{bpmn_id}' failed: {type(exc).__name__}: {exc}")
        self.task = task


def run_steps(workflow: BpmnWorkflow, case_data: CaseData, did_complete: Callable, max_steps: int = MAX_STEPS) -> int:
    """Run automatic steps until none is READY; return how many ran.

    Args:
        case_data: Refreshed into each task before it runs (and into waiting conditional events).
        did_complete: Called with each task after it ran (absorbs its changes, writes the history).

    Raises:
        TooManySteps: the case does not come to a wait.
        WorkflowException, StepFailed: a step failed (the caller rolls back).
    """
    counter = _Counter(max_steps)
    while True:
        ran = 0
        for wf in [*sorted(workflow.get_active_subprocesses(), key=lambda sp: sp.depth, reverse=True), workflow]:
            while True:
                _run_caught_events(workflow, case_data, did_complete, counter)
                ready = _runnable(wf)
                for task in ready:
                    if task.state == TaskState.READY:
                        _run(task, case_data, did_complete, counter)
                        _run_caught_events(workflow, case_data, did_complete, counter)
                ran += len(ready)
                if not ready or wf.completed:
                    break
            if wf.parent_task_id is not None and wf.completed:
                owner = workflow.get_task_from_id(wf.parent_task_id)
                if owner is not None and owner.state in (TaskState.STARTED, TaskState.WAITING):
                    owner.task_spec._update(owner)
        _run_caught_events(workflow, case_data, did_complete, counter)
        if ran == 0 and not _runnable_anywhere(workflow):
            return counter.steps


class _Counter:
    def __init__(self, limit: int):
        self.limit, self.steps = limit, 0

    def count(self) -> None:
        self.steps += 1
        if self.steps >= self.limit:
            raise TooManySteps(f"the case ran {self.steps} steps without waiting; does it loop without end?")


def _run(task, case_data: CaseData, did_complete: Callable, counter: _Counter) -> None:
    case_data.refresh(task)
    try:
        task.run()
    except WorkflowException as exc:
        if not _caught_script_error(task, exc):
            raise
        case_data.discard(task)  # the task did not complete; its error boundary event runs next
        counter.count()
        return
    except Exception as exc:  # noqa: BLE001 - whatever else a step raises is reported with the step
        raise StepFailed(task, exc) from exc
    did_complete(task)
    counter.count()


def _caught_script_error(task, exc: WorkflowException) -> bool:
    """Throw what a script task's script raised as a BPMN error at the task's own error boundary events.

    The error code is the exception's message (``raise ValueError("ERR_CODE")``);
    an error boundary event with that code, or with none, catches it. Failures
    of the sandbox itself (time, memory, forbidden code) are never caught.
    """
    raised = exc.__cause__ or exc.__context__  # what the script raised (Spiff wraps it)
    if not isinstance(task.task_spec, ScriptTask) or raised is None or isinstance(raised, SANDBOX_FAILURES):
        return False
    code = raised.args[0] if raised.args and isinstance(raised.args[0], str) else type(raised).__name__
    event = BpmnEvent(ErrorEventDefinition(code, code=code), payload={}, target=task.workflow)
    catchers = [t for t in (task.parent.children if task.parent else [])
                if t is not task and isinstance(t.task_spec, BoundaryEvent) and t.state == TaskState.WAITING
                and isinstance(t.task_spec.event_definition, ErrorEventDefinition)
                and t.task_spec.event_definition.catches(t, event)]
    if not catchers:
        return False
    catchers[0].task_spec.catch(catchers[0], event)
    catchers[0].task_spec._update(catchers[0])
    return True


def _run_caught_events(workflow: BpmnWorkflow, case_data: CaseData, did_complete: Callable, counter: _Counter) -> None:
    """Run the events that were just caught, anywhere in the case, each with its path until that waits.

    The path of a caught event runs depth-first (as the handler of a thrown
    event runs synchronously in most engines), an event caught meanwhile
    first; what the path starts in subprocesses runs in the normal rounds.
    """
    while True:
        event = _next_caught_event(workflow, case_data)
        if event is None:
            return
        _run(event, case_data, did_complete, counter)
        while True:
            _run_caught_events(workflow, case_data, did_complete, counter)
            path = [t for t in event.workflow.get_tasks(first_task=event, state=TaskState.READY)
                    if not t.task_spec.manual and not is_service_task(t)]
            if not path:
                break
            _run(path[0], case_data, did_complete, counter)


def _next_caught_event(workflow: BpmnWorkflow, case_data: CaseData):
    _prepare_round(workflow, case_data)
    return next((t for t in workflow.get_tasks(state=TaskState.READY) if _is_caught_event(t)), None)


def _prepare_round(workflow: BpmnWorkflow, case_data: CaseData) -> None:
    workflow.refresh_timers()
    _evaluate_conditions(workflow, case_data)


def _runnable_anywhere(workflow: BpmnWorkflow) -> bool:
    return bool(_runnable(workflow))  # the top workflow's tasks include those of its subprocesses


def _runnable(wf) -> list:
    """The READY tasks of a workflow the engine runs, in tree order (the top workflow's include its subprocesses')."""
    return [task for task in wf.get_tasks(state=TaskState.READY)
            if not task.task_spec.manual and not is_service_task(task)]


def _is_caught_event(task) -> bool:
    """A boundary event, or the start event of an event subprocess."""
    spec = task.task_spec
    if isinstance(spec, BoundaryEvent):
        return True
    return isinstance(spec, StartEvent) and event_subprocess_task(task.workflow) is not None


def _evaluate_conditions(workflow: BpmnWorkflow, case_data: CaseData) -> None:
    """Fire the waiting conditional events whose condition holds on the case data now."""
    for task in list(workflow.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        if isinstance(definition, CaseConditionalEventDefinition) and task.state == TaskState.WAITING:
            case_data.sync(task)
            if definition.holds(task):
                task.task_spec._update(task)
