"""The workflow class of a case: Spiff's ``BpmnWorkflow`` that also remembers the signals it throws.

A signal is broadcast (BPMN 10.5.1): the case's own catch events and event
subprocesses get it at once (Spiff's event manager), and every other case of
the authority that waits for it gets it too (engine/routing.py). Spiff keeps a
thrown event only if nothing in the case caught it, so ``catch`` notes every
signal thrown here in ``thrown_signals``; the runner takes them after the
steps (``take_thrown_events``) together with the messages nothing in the case
caught and the errors that ended it. The list is not part of the saved state:
it is emptied by the same advance that filled it.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


class CaseWorkflow(BpmnWorkflow):
    """A case's workflow (see the module docstring)."""

    def __init__(self, spec, subprocess_specs=None, script_engine=None, **kwargs):
        self.thrown_signals = []
        super().__init__(spec, subprocess_specs, script_engine, **kwargs)

    def catch(self, event):
        if isinstance(event.event_definition, SignalEventDefinition) and not getattr(event, "from_outside", False):
            self.thrown_signals.append(event)
        super().catch(event)


def take_thrown_events(workflow: CaseWorkflow) -> tuple[list, list, list]:
    """Return and forget what the case threw for others: signals, uncaught messages, uncaught errors."""
    signals, workflow.thrown_signals = workflow.thrown_signals, []
    messages, errors = [], []
    for event in workflow.get_events():
        if isinstance(event.event_definition, MessageEventDefinition):
            messages.append(event)
        elif isinstance(event.event_definition, ErrorEventDefinition):
            errors.append(event)
    return signals, messages, errors
