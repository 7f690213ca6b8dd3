"""Compensation: undo completed activities with their compensation handlers (BPMN 10.6).

An activity with a compensation boundary event is *compensable*; the boundary
event is associated with its handler, an activity marked ``isForCompensation``
(engine/bpmn_rewrite.py removes the boundary event and records the pair; the
parser parses the handler, which has no sequence flows). A subprocess is
compensable too when it contains compensable activities: compensating it
compensates them (the standard's default compensation).

Every time a compensable activity completes, an entry is appended to the
*compensation record* in the internal data of the case's root task (kept by
compaction): the process level it ran in, its task spec and, for a
subprocess, the id of its own process level. A compensation throw event
(intermediate or end event with ``compensateEventDefinition``) compensates the
recorded activities of its own process level (only ``activityRef`` if given),
the most recently completed first, each once; activities that never completed
are not compensated.

Handlers run inline, while the throw event runs: a script task's script runs
on the throw event's data (the case data), a plain task or manual task does
nothing. The throw event lists the handlers it ran in its internal data
(``compensated``); the runner writes a step into the history for each, before
the throw event's own. Handlers of another kind (a user task needs a person)
are refused when the model is deployed (engine/validation.py).

A cancel end event of a transaction compensates what completed in the
transaction before the transaction is cancelled.

A subprocess with a compensation event subprocess is compensated by that
event subprocess instead: its path (script tasks, tasks, compensation throws,
see engine/bpmn_flow_rewrite.py) runs inline the same way, and a compensation
throw in it compensates the activities that completed inside the subprocess.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import CancelEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent

RECORD_KEY = "compensation"
COMPENSATED_KEY = "compensated"


def scope_key(workflow) -> str:
    """Name a process level: ``top`` for the case's process, else the id of the subprocess task."""
    return "top" if workflow.parent_task_id is None else str(workflow.parent_task_id)


def record_completion(workflow, task) -> None:
    """Append a completed compensable activity to the case's compensation record (a ``completed_event`` callback)."""
    entry = {"scope": scope_key(task.workflow), "spec": task.task_spec.name, "process": task.workflow.spec.name}
    if task.id in task.workflow.top_workflow.subprocesses:
        entry["inner"] = str(task.id)
    root = task.workflow.top_workflow.task_tree
    root.internal_data.setdefault(RECORD_KEY, []).append(entry)


class CompensateEventDefinition(EventDefinition):
    """A compensation throw: runs the handlers of the recorded activities in reverse order.

    Args:
        activity: BPMN id of the one activity to compensate, or None for all of the process level.
    """

    def __init__(self, activity=None, **kwargs):
        super().__init__(**kwargs)
        self.activity = activity

    def throw(self, my_task):
        compensate_scope(my_task, self.activity)

    def __eq__(self, other):
        return isinstance(other, CompensateEventDefinition) and self.activity == other.activity


class CompensatingCancelEventDefinition(CancelEventDefinition):
    """A cancel end event of a transaction: compensates what completed in it, then cancels it (BPMN 10.6.4)."""

    def throw(self, my_task):
        compensate_scope(my_task, None)
        event = BpmnEvent(CancelEventDefinition(), target=my_task.workflow.parent_workflow)
        my_task.workflow.top_workflow.catch(event)

    def __eq__(self, other):
        return isinstance(other, CancelEventDefinition)


def compensate_scope(my_task, activity: str | None) -> None:
    """Compensate the recorded activities of ``my_task``'s process level (only ``activity`` if given)."""
    root = my_task.workflow.top_workflow.task_tree
    record = root.internal_data.get(RECORD_KEY, [])
    done: list[str] = []
    _compensate(my_task, record, scope_key(my_task.workflow), activity, done)
    root.internal_data[RECORD_KEY] = [entry for entry in record if not entry.get("done")]
    my_task.internal_data[COMPENSATED_KEY] = done


def _compensate(my_task, record: list[dict], scope: str, activity: str | None, done: list[str]) -> None:
    top = my_task.workflow.top_workflow
    for entry in reversed(record):
        if entry.get("done") or entry["scope"] != scope:
            continue
        spec = _process_spec(top, entry["process"]).task_specs[entry["spec"]]
        if activity is not None and spec.bpmn_id != activity:
            continue
        entry["done"] = True
        handler = getattr(spec, "compensation_handler", None)
        steps = getattr(spec, "compensation_steps", None)
        if steps is not None and "inner" in entry:
            _run_steps(my_task, record, entry["inner"], steps, done)
        elif handler is not None:
            _run_handler(my_task, _process_spec(top, entry["process"]).task_specs[handler], done)
        elif "inner" in entry:
            _compensate(my_task, record, entry["inner"], None, done)


def _process_spec(top, name: str):
    return top.spec if top.spec.name == name else top.subprocess_specs[name]


def _run_steps(my_task, record: list[dict], inner: str, steps: list, done: list[str]) -> None:
    """Run the path of a subprocess's compensation event subprocess; its compensation throws compensate inside."""
    for kind, value, bpmn_id in steps:
        if kind == "compensate":
            _compensate(my_task, record, inner, value, done)
            continue
        if kind == "script":
            _run_script(my_task, value, bpmn_id)
        done.append(bpmn_id)


def _run_handler(my_task, handler, done: list[str]) -> None:
    _run_script(my_task, getattr(handler, "script", None), handler.bpmn_id)
    done.append(handler.bpmn_id)


def _run_script(my_task, script: str | None, bpmn_id: str) -> None:
    if not script:
        return
    try:
        my_task.workflow.script_engine.execute(my_task, script)
    except WorkflowTaskException:
        raise
    except Exception as exc:
        raise WorkflowTaskException(f"compensation handler '{bpmn_id}' failed: {exc}", task=my_task,
                                    exception=exc) from exc
