"""Turn a workflow's waiting timer events into due times for timer jobs.

Spiff evaluates a timer when it first refreshes it and keeps the result in the
task's ``internal_data['event_value']``: the ISO date (timeDate), the absolute
end of a duration (timeDuration), or ``{'cycles', 'next', 'duration'}``
(timeCycle). After every advance the runner reads these, queues one timer job
per waiting timer keyed by task id and due time, and cancels timer jobs that no
longer match (the timer fired, was interrupted, or its cycle moved on). A timer
job only reloads the case and advances; Spiff decides what fires against the
wall clock (tests move it with time-machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

# Spiff fires a timer when its due time is strictly before "now".
_AFTER_DUE = timedelta(milliseconds=1)


@dataclass(frozen=True)
class PendingTimer:
    """A waiting timer: the Spiff task id, its BPMN id and when it is due."""

    task_id: str
    bpmn_id: str
    due: datetime

    @property
    def dedupe_key(self) -> str:
        """Key of the timer job; a new due time (next cycle) is a new job."""
        return f"timer:{self.task_id}:{self.due.isoformat()}"


def pending_timers(workflow, now: datetime) -> list[PendingTimer]:
    """Return the waiting timers of a workflow (subprocesses included) with their due times.

    A timer Spiff has not evaluated yet is due now; the timer job evaluates it.
    """
    timers = []
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        due = _due(definition, task.internal_data.get("event_value"), now)
        if due is not None:
            timers.append(PendingTimer(str(task.id), task.task_spec.bpmn_id, due + _AFTER_DUE))
    return timers


def _due(definition: TimerEventDefinition, value, now: datetime) -> datetime | None:
    if value is None:
        return now
    if isinstance(definition, TimeDateEventDefinition):
        parsed = TimerEventDefinition.parse_time_or_duration(value)
        return parsed if isinstance(parsed, datetime) else now
    if isinstance(definition, DurationTimerEventDefinition):
        return TimerEventDefinition.get_datetime(value)
    if isinstance(definition, CycleTimerEventDefinition):
        if value.get("cycles") == 0:
            return now
        return datetime.fromisoformat(value["next"]).astimezone(timezone.utc)
    return None
