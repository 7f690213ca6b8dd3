"""Multi-instance activities: behaviour events, instance counts, cardinality checks (BPMN 10.3.7).

``behavior`` says which event an instance's completion throws (the event is
caught like any other, typically by a non-interrupting boundary event of the
activity):

- ``None``: the ``noneBehaviorEventRef`` event, each time an instance completes;
- ``One``: the ``oneBehaviorEventRef`` event, when the first instance completes;
- ``All`` (the default): none;
- ``Complex``: each ``complexBehaviorDefinition`` whose condition holds when an
  instance completes throws its event.

Conditions (the completion condition and complex behaviour conditions) see
the instance counts the standard names: ``numberOfInstances``,
``numberOfActiveInstances``, ``numberOfCompletedInstances``,
``numberOfTerminatedInstances``, and ``loopCounter`` (1-based) of the instance
that just completed. A cardinality must evaluate to a whole number that is not
negative; Spiff would hang on a negative one.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.util.task import TaskState


class Behaviour:
    """What a multi-instance activity throws when an instance completes.

    Attributes:
        kind: ``None``, ``One``, ``All`` or ``Complex``.
        event: The event definition of ``None``/``One``.
        complex: ``(condition, event definition)`` pairs of ``Complex``.
    """

    def __init__(self, kind: str = "All", event=None, complex_=None):
        self.kind, self.event, self.complex = kind, event, list(complex_ or [])


class _BehaviourMixin:
    """Shared by sequential and parallel multi-instance specs (set ``behaviour`` after construction)."""

    behaviour: Behaviour = Behaviour()

    def counts(self, my_task, finishing=None) -> dict:
        instances = list(self._instances(my_task))
        completed = sum(1 for t in instances if t.state == TaskState.COMPLETED)
        if finishing is not None and finishing.state != TaskState.COMPLETED:
            completed += 1
        cancelled = sum(1 for t in instances if t.state == TaskState.CANCELLED)
        total = my_task.internal_data.get("cardinality")
        if total is None:
            total = len(instances) + len(my_task.internal_data.get("remaining", []))
        return {
            "numberOfInstances": total,
            "numberOfActiveInstances": sum(1 for t in instances if not t.has_state(TaskState.FINISHED_MASK)
                                           and t is not finishing),
            "numberOfCompletedInstances": completed,
            "numberOfTerminatedInstances": cancelled,
            "loopCounter": completed + cancelled,
        }

    def merge_child(self, workflow, child):
        my_task = child.parent
        self._throw_behaviour(my_task, child)
        super().merge_child(workflow, child)

    def _throw_behaviour(self, my_task, child) -> None:
        behaviour = self.behaviour
        if behaviour.kind == "None" and behaviour.event is not None:
            behaviour.event.throw(child)
        elif behaviour.kind == "One" and behaviour.event is not None:
            if not my_task.internal_data.get("one_behaviour_thrown"):
                my_task.internal_data["one_behaviour_thrown"] = True
                behaviour.event.throw(child)
        elif behaviour.kind == "Complex":
            counts = self.counts(my_task, finishing=child)
            for condition, event in behaviour.complex:
                if self._evaluate(child, condition, counts, "complex behaviour condition"):
                    event.throw(child)

    def create_child(self, my_task, item, key_or_index=None):
        # Spiff merged the previous instance's input and output item into this task (no data output declared);
        # they belong to the instances, and Spiff refuses to create the next one while they are here.
        for data_item in (self.input_item, self.output_item):
            if data_item is not None and (self.data_output is None or data_item.bpmn_id != self.data_output.bpmn_id):
                my_task.data.pop(data_item.bpmn_id, None)
        super().create_child(my_task, item, key_or_index)

    def check_completion_condition(self, my_task):
        merged = my_task.internal_data.get("merged", [])
        if len(merged) > 0 and self.condition is not None:
            last_child = [c for c in my_task.children if str(c.id) == merged[-1]][0]
            return self._evaluate(last_child, self.condition, self.counts(my_task), "completion condition")
        return False

    def _evaluate(self, task, expression, counts, what):
        try:
            return task.workflow.script_engine.evaluate(task, expression, external_context=counts)
        except Exception as exc:
            raise WorkflowTaskException(f"{what} of '{self.bpmn_id}' failed: {exc}", task=task, exception=exc) from exc

    def _cardinality(self, my_task) -> int:
        value = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)
        if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, float)
                                                                           and value.is_integer()):
            raise WorkflowTaskException(f"the loop cardinality of '{self.bpmn_id}' is {value!r}; it must be a "
                                        "whole number", task=my_task)
        if value < 0:
            raise WorkflowTaskException(f"the loop cardinality of '{self.bpmn_id}' is {value}; it must not be "
                                        "negative", task=my_task)
        return int(value)


class SequentialInstances(_BehaviourMixin, SequentialMultiInstanceTask):
    """A sequential multi-instance activity."""

    def _update_hook(self, my_task):
        if self.data_input is None and "cardinality" not in my_task.internal_data:
            self._cardinality(my_task)  # fails before Spiff would start the loop
        return super()._update_hook(my_task)


class ParallelInstances(_BehaviourMixin, ParallelMultiInstanceTask):
    """A parallel multi-instance activity."""

    def create_children(self, my_task):
        if self.data_input is None:
            my_task.internal_data["cardinality"] = self._cardinality(my_task)
        super().create_children(my_task)
