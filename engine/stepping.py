"""The engine's step loop: run a case's automatic steps, one at a time, until it waits.

This replaces ``BpmnWorkflow.do_engine_steps``, which runs every READY task of
a subprocess before it looks at the process around it: an escalation thrown
inside a subprocess would be caught by the boundary event only after the rest
of the subprocess ran. Here every round picks one task:

1. events that were just caught come first: boundary events, start events of
   event subprocesses (a throw is handled "at once", BPMN 10.5.1);
2. then the tasks that became READY most recently (the token that just moved
   continues, as in a synchronous engine), among those in tree order (the
   branches of a split in the order of their flows);
3. human tasks and service tasks are never run here (the case waits at them).

Before each round, due timers are refreshed (Spiff only refreshes them at the
end) and waiting conditional events are evaluated against the case data of
this moment, so a conditional boundary event fires as soon as a step inside
the activity makes its condition true (Spiff only re-evaluates waiting events
of the workflow where a task completed).

Everything happens in memory; the caller persists the result (engine/runner.py).
"""

from __future__ import annotations

from typing import Callable

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.case_data import CaseData
from engine.service_tasks import is_service_task

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
    generation: dict = {}
    rounds = 0
    steps = 0
    while True:
        workflow.refresh_timers()
        _evaluate_conditions(workflow, case_data)
        ready = _runnable(workflow)
        if not ready:
            if _notify_finished_subprocesses(workflow):
                continue
            return steps
        rounds += 1
        for task in ready:
            generation.setdefault(task.id, rounds)
        position = {task.id: index for index, task in enumerate(ready)}
        task = max(ready, key=lambda t: (_is_caught_event(t), generation[t.id], -position[t.id]))
        case_data.refresh(task)
        try:
            task.run()
        except WorkflowException:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever else a step raises is reported with the step
            raise StepFailed(task, exc) from exc
        did_complete(task)
        steps += 1
        if steps >= max_steps:
            raise TooManySteps(f"the case ran {steps} steps without waiting; does it loop without end?")


def _runnable(workflow: BpmnWorkflow) -> list:
    tasks = []
    for wf in [workflow, *workflow.get_active_subprocesses()]:
        for task in wf.get_tasks(state=TaskState.READY):
            if not task.task_spec.manual and not is_service_task(task):
                tasks.append(task)
    return tasks


def _is_caught_event(task) -> bool:
    spec = task.task_spec
    if isinstance(spec, BoundaryEvent):
        return True
    return isinstance(spec, StartEvent) and task.workflow.parent_task_id is not None


def _notify_finished_subprocesses(workflow: BpmnWorkflow) -> bool:
    """Let the tasks of finished subprocesses notice it (as ``do_engine_steps`` does); tell whether one became READY."""
    changed = False
    for subprocess in workflow.subprocesses.values():
        if not subprocess.completed:
            continue
        owner = workflow.get_task_from_id(subprocess.parent_task_id)
        if owner is not None and owner.state in (TaskState.STARTED, TaskState.WAITING):
            owner.task_spec._update(owner)
            changed = changed or owner.state == TaskState.READY
    return changed


def _evaluate_conditions(workflow: BpmnWorkflow, case_data: CaseData) -> None:
    for task in list(workflow.event_manager.tasks.values()):
        if isinstance(task.task_spec.event_definition, ConditionalEventDefinition) and task.state == TaskState.WAITING:
            case_data.sync(task)
            task.task_spec._update(task)
