"""The workflow class of a case: Spiff's ``BpmnWorkflow`` that also remembers the signals it throws.

A signal is broadcast (BPMN 10.5.1): the case's own catch events and event
subprocesses get it at once (Spiff's event manager), and every other case of
the authority that waits for it gets it too (engine/routing.py). Spiff keeps a
thrown event only if nothing in the case caught it, so ``catch`` notes every
signal thrown here in ``thrown_signals``; the runner takes them after the
steps (``take_thrown_events``) together with the messages nothing in the case
caught, the errors that ended it and the escalations nothing caught (a child
case passes them to its call activity, engine/calls.py). The list is not part of the saved state:
it is emptied by the same advance that filled it.

Spiff starts event subprocesses only on the level of the case's process;
``catch`` also starts those of running (embedded) subprocesses.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition, EscalationEventDefinition, SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


class CaseWorkflow(BpmnWorkflow):
    """A case's workflow (see the module docstring)."""

    def __init__(self, spec, subprocess_specs=None, script_engine=None, **kwargs):
        self.thrown_signals = []
        self.thrown_count = 0
        super().__init__(spec, subprocess_specs, script_engine, **kwargs)

    def catch(self, event):
        self.thrown_count += 1
        event.order = self.thrown_count  # the order of throws, for routing (engine/routing.py)
        if isinstance(event.event_definition, SignalEventDefinition) and not getattr(event, "from_outside", False):
            self.thrown_signals.append(event)
        self._start_nested_event_subprocesses(event)
        super().catch(event)

    def _start_nested_event_subprocesses(self, event) -> None:
        """Start the event subprocesses of running subprocesses whose start event catches ``event``.

        Spiff starts only the event subprocesses of the case's process itself.
        An error or escalation reaches the subprocess that threw it and those
        around it; other events reach every running subprocess. The started
        event subprocess waits at its start event, which Spiff's catch then
        finds like any waiting event.
        """
        reachable = None
        if event.target is not None:
            reachable, current = set(), event.target
            while current is not None:
                reachable.add(id(current))
                current = current.parent_workflow
        for subprocess in list(self.subprocesses.values()):
            if subprocess.completed or (reachable is not None and id(subprocess) not in reachable):
                continue
            for name in subprocess.spec.start.trigger_specs:
                spec = self.subprocess_specs.get(name)
                if spec is not None and any(start.event_definition == event.event_definition
                                            for start in spec.bpmn_start_events):
                    child = subprocess.get_task_from_id(subprocess.spec.start.trigger_wf(subprocess.task_tree, name))
                    child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)  # its way to the end


def take_thrown_events(workflow: CaseWorkflow) -> tuple[list, list, list, list]:
    """Return and forget what the case threw for others: signals, uncaught messages, errors and escalations."""
    signals, workflow.thrown_signals = workflow.thrown_signals, []
    messages, errors, escalations = [], [], []
    for event in workflow.get_events():
        if isinstance(event.event_definition, MessageEventDefinition):
            messages.append(event)
        elif isinstance(event.event_definition, ErrorEventDefinition):
            errors.append(event)
        elif isinstance(event.event_definition, EscalationEventDefinition):
            escalations.append(event)
    return signals, messages, errors, escalations
