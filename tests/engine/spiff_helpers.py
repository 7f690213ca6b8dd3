"""Drive BPMN fixtures with plain SpiffWorkflow, saving and restoring after every step.

The driver mirrors what the engine runner does around a task run (CaseData.refresh before,
CaseData.absorb after, compaction before the save) so tests exercise the same sequence,
and it can switch CaseData and compaction off to show what plain Spiff does.
"""

from __future__ import annotations

import json
from pathlib import Path

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import serializer
from engine.case_data import CaseData
from engine.compaction import compact

FIXTURES = Path(__file__).parent / "fixtures"


def load_specs(filename: str, process_id: str):
    """Parse a fixture and return (spec, subprocess_specs) for ``process_id``."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / filename))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


class Driver:
    """Runs one case of a fixture process step by step.

    Attributes:
        workflow: The current (restored) workflow.
        case_data: The case data, or None when running plain Spiff.
        completed: BPMN ids of the tasks that ran, in order.
        state_size: Length of the JSON state written at the last save.
        removed: Number of tasks removed by compaction so far.
    """

    def __init__(self, filename: str, process_id: str, *, case_data: bool = True, compaction: bool = False,
                 data: dict | None = None, save_restore: bool = True):
        self.spec, self.subprocess_specs = load_specs(filename, process_id)
        self.workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        self.workflow.task_tree.data.update(data or {})
        self.case_data = CaseData() if case_data else None
        self.compaction = compaction
        self.save_restore_enabled = save_restore
        self.completed: list[str] = []
        self.state_size = 0
        self.removed = 0
        self.advance()

    def advance(self) -> None:
        """Run engine steps until the case waits, then compact (if enabled), save and restore."""
        self.workflow.do_engine_steps(will_complete_task=self._will_complete, did_complete_task=self._did_complete)
        if self.compaction:
            self.removed += compact(self.workflow)
        if self.save_restore_enabled:
            self.save_restore()

    def ready_human_tasks(self, bpmn_id: str | None = None) -> list:
        """Return READY manual tasks, optionally only those with ``bpmn_id``."""
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [t for t in tasks if bpmn_id is None or t.task_spec.bpmn_id == bpmn_id]

    def complete(self, bpmn_id: str, data: dict | None = None) -> None:
        """Complete the single READY human task ``bpmn_id`` with form ``data``, then advance."""
        tasks = self.ready_human_tasks(bpmn_id)
        assert len(tasks) == 1, f"expected one ready task {bpmn_id}, found {len(tasks)}"
        self.complete_task(tasks[0], data)

    def complete_task(self, task, data: dict | None = None) -> None:
        """Complete a READY human task with form ``data`` (refresh, merge, run, absorb), then advance."""
        self._will_complete(task)
        task.set_data(**(data or {}))
        task.run()
        self._did_complete(task)
        self.advance()

    def send_message(self, name: str, payload) -> None:
        """Deliver a message to the case, then advance."""
        self.workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
        self.advance()

    def save_restore(self) -> None:
        """Serialize to JSON, restore, and check that the restored state serializes identically."""
        text = json.dumps(serializer.serialize(self.workflow))
        self.state_size = len(text)
        restored = serializer.deserialize(json.loads(text), self.spec, self.subprocess_specs)
        assert serializer.serialize(restored) == json.loads(text)
        self.workflow = restored
        if self.case_data is not None:
            self.case_data = CaseData.from_dict(json.loads(json.dumps(self.case_data.to_dict())))

    @property
    def data(self) -> dict:
        """The case's data: CaseData values, or Spiff's workflow data when running plain Spiff."""
        if self.case_data is not None:
            return self.case_data.values
        return self.workflow.data

    def _will_complete(self, task) -> None:
        if self.case_data is not None:
            self.case_data.refresh(task)

    def _did_complete(self, task) -> None:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id is not None:
            self.completed.append(bpmn_id)
        if self.case_data is not None:
            self.case_data.absorb(task)
