"""Event subprocesses, the end of a process, ad-hoc subprocesses, data found by name.

- ``EventSubprocessStart``: the start event of an event subprocess. When an
  *interrupting* one (``isInterrupting``, the default) fires, everything else
  of the enclosing process level is cancelled (BPMN 10.3.5); Spiff would let
  the main flow run on.
- ``RepeatingBoundaryEvent``: a non-interrupting message, signal or
  escalation boundary event catches again while its activity runs (Spiff's
  catches once).
- ``CaseEndJoin``: a process level ends when nothing but event subprocesses
  that have not been triggered is left; those are cancelled. Spiff's end join
  waits for them, so a process with a timer or conditional event subprocess
  would never end.
- ``AdHocSpec``: an ad-hoc subprocess without completion condition ends when
  each of its activities ran (Spiff evaluates the missing condition and fails).
- ``NamedDataReference``, ``CaseDataObject``: data inputs and outputs of an
  ioSpecification, and data objects, are case variables; a data output or data
  object that the task did not set is not an error (it is simply not written).
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.data_spec import DataObject, TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    EscalationEventDefinition, SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.util.task import TaskIterator, TaskState


class EventSubprocessStart(StartEvent):
    """A start event; inside an event subprocess, an interrupting one cancels the enclosing process level."""

    def __init__(self, wf_spec, bpmn_id, event_definition, interrupting=True, **kwargs):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self.interrupting = interrupting

    def _run_hook(self, my_task):
        result = super()._run_hook(my_task)
        if self.interrupting:
            owner = event_subprocess_task(my_task.workflow)
            if owner is not None:
                interrupt_scope(owner)
        return result


class RepeatingBoundaryEvent(BoundaryEvent):
    """A boundary event; a non-interrupting one waits again after it fired, while its activity still runs."""

    def _on_complete_hook(self, my_task):
        super()._on_complete_hook(my_task)
        if self.cancel_activity or not isinstance(self.event_definition, _REPEATING):
            return
        split = my_task.parent
        main = next((t for t in split.children if not isinstance(t.task_spec, BoundaryEvent)), None)
        if main is None or main.has_state(TaskState.FINISHED_MASK):
            return
        again = split._add_child(self, TaskState.WAITING)
        again.triggered = True
        self._predict(again, mask=TaskState.NOT_FINISHED_MASK)
        self._update(again)


_REPEATING = (MessageEventDefinition, SignalEventDefinition, EscalationEventDefinition)


def event_subprocess_task(workflow):
    """Return the event subprocess task that ``workflow`` runs for, or None."""
    if workflow.parent_task_id is None:
        return None
    owner = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
    return owner if owner is not None and isinstance(owner.task_spec, EventSubprocess) else None


def interrupt_scope(owner) -> None:
    """Cancel every unfinished task of the process level of ``owner`` (an event subprocess task) but ``owner``."""
    keep = {task.id for task in owner}  # the event subprocess task and what follows it
    current = owner.parent
    while current is not None:
        keep.add(current.id)
        current = current.parent
    for task in owner.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True):
        if task.workflow is owner.workflow and task.id not in keep and not task.has_state(TaskState.FINISHED_MASK):
            task.cancel()


def _untriggered_event_subprocess(task) -> bool:
    """True for an event subprocess whose start event waits for its trigger (it did not fire or catch yet)."""
    if not isinstance(task.task_spec, EventSubprocess):
        return False
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    if subprocess is None:
        return True
    busy = TaskState.READY | TaskState.STARTED | TaskState.WAITING
    starts = [t for t in subprocess.tasks.values() if isinstance(t.task_spec, StartEvent)]
    running = [t for t in subprocess.tasks.values() if t.has_state(busy) and not isinstance(t.task_spec, StartEvent)]
    return bool(starts) and not running and all(t.state == TaskState.WAITING for t in starts)


class CaseEndJoin(_EndJoin):
    """The end of a process level: every token arrived, event subprocesses that wait for a trigger are cancelled."""

    def _check_threshold_unstructured(self, my_task):
        waiting = []
        for task in TaskIterator(my_task.workflow.task_tree, state=TaskState.NOT_FINISHED_MASK, end_at_spec=self.name):
            if task is my_task or task.task_spec is self:
                continue
            if _untriggered_event_subprocess(task):
                waiting.append(task)
                continue
            return False
        for task in waiting:
            task.cancel()
        return True


class AdHocSpec(AdHocSubprocessSpec):
    """An ad-hoc subprocess; without completion condition it ends when each of its activities ran once."""

    def path_complete(self, workflow, task):
        if self.completion_condition is None:
            workflow.data.update(**task.data)
            return
        workflow.data.setdefault("data_objects", {})  # Spiff pops it from the tasks it merges the data into
        super().path_complete(workflow, task)


class NamedDataReference(TaskDataReference):
    """A data input or output of an ioSpecification; an output the task did not set is left out."""

    def exists(self, my_task):
        return True

    def get(self, my_task):
        return my_task.data.get(self.bpmn_id)


class CaseDataObject(DataObject):
    """A data object: a case variable named by the data object's id."""

    def get(self, my_task):
        wf = my_task.workflow
        while wf is not None and self.bpmn_id not in wf.spec.data_objects:
            wf = wf.parent_workflow
        if wf is not None and self.bpmn_id in wf.data_objects:
            my_task.data.setdefault(self.bpmn_id, deepcopy(wf.data_objects[self.bpmn_id]))

    def set(self, my_task):
        if self.bpmn_id not in my_task.data:
            return
        wf = my_task.workflow
        while wf is not None and self.bpmn_id not in wf.spec.data_objects:
            wf = wf.parent_workflow
        if wf is not None:
            wf.data.setdefault("data_objects", {})[self.bpmn_id] = deepcopy(my_task.data[self.bpmn_id])
