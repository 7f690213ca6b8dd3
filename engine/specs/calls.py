"""Call activities whose called process runs as a child case (engine/calls.py starts and ends them).

The task of a call activity waits (WAITING) until its child case ended. The
runner starts the child case for every such task that has none yet and
records its id in the task's internal data (``child_case_id``). When the child
completes, its data is put into ``call_result`` and the task becomes READY;
running it applies the output mapping. A child that failed with a BPMN error
throws that error at the call activity instead (engine/calls.py).

Mappings (what goes into the child case and what comes back):

- ``camunda:in`` / ``camunda:out`` with ``source`` (a variable), ``sourceExpression``
  (an expression) or ``variables="all"``, and ``target``;
- otherwise the called process's ioSpecification (its data inputs / outputs by name);
- otherwise all data goes in, and what the child case set comes back.

The called process is the one of the same deployment with that id, else the
newest deployed version of that key, or the version pinned with
``camunda:calledElementBinding="version"`` and ``camunda:calledElementVersion``.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask
from SpiffWorkflow.util.task import TaskState

CHILD_KEY = "child_case_id"
RESULT_KEY = "call_result"
INPUT_COUNT_KEY = "child_inputs"


@dataclass(frozen=True)
class Mapping:
    """One ``in`` or ``out`` mapping: ``source`` variable or ``expression``, or ``all`` variables, to ``target``."""

    target: str | None = None
    source: str | None = None
    expression: str | None = None
    all: bool = False


@dataclass(frozen=True)
class CallTarget:
    """What a call activity calls and how data goes in and out."""

    key: str
    version: int | None = None
    ins: tuple[Mapping, ...] = field(default_factory=tuple)
    outs: tuple[Mapping, ...] = field(default_factory=tuple)


class ChildCaseCall(SpiffBpmnTask):
    """A call activity: waits for its child case."""

    def __init__(self, wf_spec, bpmn_id, target: CallTarget, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.target = target

    def _update_hook(self, my_task):
        super()._update_hook(my_task)
        if RESULT_KEY in my_task.internal_data:
            return True
        my_task._set_state(TaskState.WAITING)
        return False

    def _run_hook(self, my_task):
        result = my_task.internal_data.pop(RESULT_KEY, None) or {}
        apply_outputs(self, my_task, result.get("data", {}), result.get("outputs"), result.get("changed"))
        return super()._run_hook(my_task)


def input_data(spec: ChildCaseCall, task, called_inputs: list[str] | None) -> dict:
    """Return the data the child case starts with.

    Args:
        called_inputs: Names of the called process's data inputs, if it declares any.
    """
    if spec.target.ins:
        return _mapped(spec.target.ins, task, task.data)
    if called_inputs:
        missing = [name for name in called_inputs if name not in task.data]
        if missing:
            raise WorkflowTaskException(f"call activity '{spec.bpmn_id}' lacks the data input(s) "
                                        f"{', '.join(missing)} of the called process", task=task)
        return {name: deepcopy(task.data[name]) for name in called_inputs}
    return deepcopy(task.data)


def apply_outputs(spec: ChildCaseCall, task, child_data: dict, called_outputs: list[str] | None,
                  changed: list[str] | None = None) -> None:
    """Put what the child case returns into the call activity's data.

    Args:
        changed: The variables the child case set itself (not just got at its start); without a
            mapping only these come back, so a value the calling case changed meanwhile stays.
    """
    if spec.target.outs:
        task.data.update(_mapped(spec.target.outs, task, child_data))
    elif called_outputs:
        task.data.update({name: deepcopy(child_data[name]) for name in called_outputs if name in child_data})
    else:
        names = child_data if changed is None else [name for name in changed if name in child_data]
        task.data.update({name: deepcopy(child_data[name]) for name in names})


def _mapped(mappings, task, source: dict) -> dict:
    result = {}
    for mapping in mappings:
        if mapping.all:
            result.update(deepcopy(source))
        elif mapping.expression is not None:
            result[mapping.target] = task.workflow.script_engine.environment.evaluate(mapping.expression,
                                                                                       dict(source))
        elif mapping.source in source:
            result[mapping.target or mapping.source] = deepcopy(source[mapping.source])
    return result
