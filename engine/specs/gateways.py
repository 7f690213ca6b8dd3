"""The complex gateway, and the token join that stands for an activity's startQuantity.

Diverging, a complex gateway takes every outgoing flow whose condition holds,
or its default flow if none does (like an inclusive gateway).

Converging, it waits until its ``activationCondition`` holds, evaluated with
``activationCount`` (tokens that arrived in the current round, also as
``_activationCount``) and ``activationCounts`` (per incoming flow, by the id of
the element the flow comes from). Then it fires once; tokens that arrive later
in the same round are consumed without firing again. A round ends when every
incoming flow has delivered a token. Without an activation condition it fires
when every incoming flow has delivered (like a parallel join).

A token join (``aktenfluss:tokens="n"``, inserted by engine/bpmn_rewrite.py
before an activity with startQuantity n) fires once for every n tokens.

In Spiff every arriving token is a task of the gateway's spec (the child of
the task it came from). The round's bookkeeping is kept in the internal data
of the workflow's root task (kept by compaction): the ids of the tasks that
arrived and whether the round fired. A task that arrived and does not fire
waits (WAITING); when the gateway fires, the waiting ones are consumed
(cancelled).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway
from SpiffWorkflow.util.task import TaskState

_ROUNDS_KEY = "complex_gateway_rounds"


class ComplexGateway(InclusiveGateway):
    """A complex gateway (or a token join when ``tokens`` is set)."""

    def __init__(self, wf_spec, bpmn_id, activation_condition=None, tokens=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.activation_condition = activation_condition
        self.tokens = tokens

    def _update_hook(self, my_task):
        if len(self.inputs) < 2 and not self.tokens:
            my_task._inherit_data()
            return True
        rounds = my_task.workflow.task_tree.internal_data.setdefault(_ROUNDS_KEY, {})
        state = rounds.setdefault(self.name, {"arrived": [], "sources": [], "fired": False})
        task_id = str(my_task.id)
        if task_id in state["arrived"]:
            return False  # already counted; it waits or was consumed
        state["arrived"].append(task_id)
        state["sources"].append(my_task.parent.task_spec.name if my_task.parent is not None else "")
        fire = False
        if self.tokens:
            fire = len(state["arrived"]) >= self.tokens
        elif not state["fired"]:
            fire = self._activated(my_task, state)
        if fire:
            self._consume_waiting(my_task)
            state["fired"] = True
            my_task._inherit_data()
        elif state["fired"]:
            my_task._set_state(TaskState.WAITING)
            my_task.cancel()  # a late token of a round that already fired is consumed
        else:
            my_task._set_state(TaskState.WAITING)
        if self.tokens and fire or not self.tokens and set(state["sources"]) >= {spec.name for spec in self.inputs}:
            rounds[self.name] = {"arrived": [], "sources": [], "fired": False}
        return fire

    def _activated(self, my_task, state) -> bool:
        if self.activation_condition is None:
            return set(state["sources"]) >= {spec.name for spec in self.inputs}
        counts: dict[str, int] = {}
        for source in state["sources"]:
            bpmn_id = getattr(my_task.workflow.spec.task_specs.get(source), "bpmn_id", None) or source
            counts[bpmn_id] = counts.get(bpmn_id, 0) + 1
        context = {"activationCount": len(state["arrived"]), "_activationCount": len(state["arrived"]),
                   "activationCounts": counts}
        try:
            return bool(my_task.workflow.script_engine.evaluate(my_task, self.activation_condition,
                                                                external_context=context))
        except Exception as exc:
            raise WorkflowTaskException(f"activation condition of complex gateway '{self.bpmn_id}' failed: {exc}",
                                        task=my_task, exception=exc) from exc

    def _consume_waiting(self, my_task) -> None:
        for task in list(my_task.workflow.tasks.values()):
            if task.task_spec is self and task is not my_task and task.state == TaskState.WAITING:
                task.cancel()

    def _run_hook(self, my_task):
        matches, defaults = self._get_matching_outputs(my_task)
        if len(matches + defaults) == 0:
            raise WorkflowTaskException(f"no condition of complex gateway '{self.bpmn_id}' holds and it has no "
                                        "default flow", task=my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True
