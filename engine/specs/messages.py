"""Message and conditional event definitions for models without SpiffWorkflow extensions.

Spiff's message throws carry nothing and compute no correlation unless the
model has a ``spiffworkflow:messagePayload``. For a standard model, a thrown
message carries the sender's data (a copy), and its correlation properties
(``correlationPropertyRetrievalExpression``) are evaluated against it. A
caught message without ``spiffworkflow:messageVariable`` adds the variables
the receiving case does not have yet; it never overwrites the receiver's own
values (a reply cannot clobber the receiver's data).

A condition of a conditional event that cannot be evaluated yet (it names a
variable that does not exist yet) is false, not an error: the event keeps
waiting.
"""

from __future__ import annotations

import json
from copy import deepcopy

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition


class CaseMessageEventDefinition(MessageEventDefinition):
    """A message event (see the module docstring)."""

    def throw(self, my_task):
        if self.expression is not None:
            super().throw(my_task)
            return
        payload = json.loads(json.dumps(my_task.data, default=str))
        correlations = self.get_correlations(my_task, payload)
        my_task.workflow.correlations.update(correlations)
        my_task.workflow.top_workflow.catch(BpmnEvent(self, payload=payload, correlations=correlations))

    def get_correlations(self, my_task, payload):
        try:
            return super().get_correlations(my_task, payload)
        except Exception:  # noqa: BLE001 - a property the payload does not have is no correlation
            return {}

    def correlations_from(self, my_task, data: dict) -> dict | None:
        """The correlation values the catch event of ``my_task`` has in ``data`` (a case's data), or None."""
        try:
            return self.calculate_correlations(my_task.workflow.script_engine, self.correlation_properties, data)
        except Exception:  # noqa: BLE001 - the case has no such value (yet)
            return None

    def update_task_data(self, my_task):
        if self.message_var is not None:
            super().update_task_data(my_task)
            return
        payload = my_task.internal_data.pop(self.name, None)
        if isinstance(payload, dict):
            for key, value in payload.items():
                if key not in my_task.data:
                    my_task.data[key] = deepcopy(value)


class CaseConditionalEventDefinition(ConditionalEventDefinition):
    """A conditional event whose condition is false while it cannot be evaluated.

    The engine's step loop evaluates it on the case data (``holds``) and marks
    the task when it holds; Spiff's own re-evaluations see only the task's old
    copy of the data, so the mark decides.
    """

    def holds(self, my_task) -> bool:
        """Evaluate the condition on the task's data; remember when it holds."""
        try:
            value = bool(my_task.workflow.script_engine.evaluate(my_task, self.expression,
                                                                 external_context=my_task.workflow.data_objects))
        except Exception:  # noqa: BLE001 - e.g. a variable that does not exist yet
            value = False
        if value:
            my_task.internal_data["condition_met"] = True
        return value

    def has_fired(self, my_task):
        return bool(my_task.internal_data.get("condition_met"))

    def reset(self, my_task):
        my_task.internal_data.pop("condition_met", None)
        super().reset(my_task)
