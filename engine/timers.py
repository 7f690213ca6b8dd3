"""Turn a workflow's waiting timer events into due times for timer jobs.

Spiff evaluates a timer when it first refreshes it and keeps the result in the
task's ``internal_data['event_value']``: the ISO date (timeDate), the absolute
end of a duration (timeDuration), or ``{'cycles', 'next', 'duration'}``
(timeCycle). After every advance the runner reads these, queues one timer job
per waiting timer keyed by task id and due time (also for the timer among the
events an event-based gateway waits for), and cancels timer jobs that no longer
match (the timer fired, was interrupted, or its cycle moved on). A timer
job only reloads the case and advances; Spiff decides what fires against the
wall clock (tests move it with time-machine).

Timer *start* events belong to the definition, not to a case (Spiff would
keep a fired cycle inside one instance): ``StartTimer`` is the evaluated
expression of one, and ``StartTimer.due`` computes its occurrences (see
engine/start_timers.py for the schedule).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.legal_time import parse_datetime

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
        definition = _timer_of(getattr(task.task_spec, "event_definition", None))
        if definition is None:
            continue
        due = _due(definition, task.internal_data.get("event_value"), now)
        if due is not None:
            timers.append(PendingTimer(str(task.id), task.task_spec.bpmn_id, due + _AFTER_DUE))
    return timers


def _timer_of(definition) -> TimerEventDefinition | None:
    """The timer a waiting event waits for: its own, or the one among the events behind an event-based gateway."""
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


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


START_TIMER_KINDS = {TimeDateEventDefinition: "date", DurationTimerEventDefinition: "duration",
                     CycleTimerEventDefinition: "cycle"}


@dataclass(frozen=True)
class StartTimer:
    """A timer start event of a process with its evaluated ISO 8601 value.

    ``kind`` is ``date`` (one case at that date), ``duration`` (one case that
    long after deployment) or ``cycle`` (``R[n]/[start/]interval``: one case per
    occurrence; without a start, the first occurrence is one interval after
    deployment; without ``n``, the cycle does not end).
    """

    bpmn_id: str
    kind: str
    value: str

    def due(self, anchor: datetime, occurrence: int) -> datetime | None:
        """Return when occurrence ``occurrence`` (0-based) is due, or None if there is no such occurrence.

        Args:
            anchor: The deployment time; relative values count from it.
            occurrence: Index of the occurrence; a date or duration has only occurrence 0.
        """
        try:
            if self.kind != "cycle":
                if occurrence != 0:
                    return None
                if self.kind == "date":
                    return parse_datetime(self.value)
                return anchor + TimerEventDefinition.get_timedelta_from_start(_duration(self.value), anchor)
            cycles, start, interval = _cycle(self.value)
            if cycles != -1 and occurrence >= cycles:
                return None
            if start is None:
                start, occurrence = anchor, occurrence + 1
            return _add_interval(start, interval, occurrence)
        except OverflowError:  # beyond the year 9999: the schedule has ended
            return None

    def first_occurrence(self, anchor: datetime) -> int | None:
        """Return the first occurrence due at or after ``anchor`` (earlier ones are not made up), or None."""
        first = self.due(anchor, 0)
        if first is None:
            return None
        if first >= anchor:
            return 0
        second = self.due(anchor, 1)
        if second is None:  # a date, duration or last occurrence before the deployment
            return None
        index = max(0, int((anchor - first) / (second - first)) - 1)  # estimate; months differ in length
        while (due := self.due(anchor, index)) is not None and due < anchor:
            index += 1
        return index if due is not None else None


def start_timer(bpmn_id: str, definition: TimerEventDefinition, value) -> StartTimer:
    """Check the evaluated expression of a timer start event and return it as a ``StartTimer``.

    Raises:
        ValueError: the value is no ISO 8601 date, duration or cycle of the event's kind
            (the message says what is wrong).
    """
    kind = START_TIMER_KINDS.get(type(definition))
    if kind is None:
        raise ValueError(f"timer type {type(definition).__name__} is not supported")
    if not isinstance(value, str):
        raise ValueError(f"the expression must give a string, not {type(value).__name__}")
    value = value.strip()
    try:
        if kind == "date":
            parse_datetime(value)
        elif kind == "duration":
            _duration(value)
        else:
            _cycle(value)
    except ValueError as exc:
        raise ValueError(f"'{value}' is no valid ISO 8601 {_EXAMPLES[kind]}: {exc}") from exc
    return StartTimer(bpmn_id, kind, value)


_EXAMPLES = {
    "date": "date and time (e.g. 2030-01-01T08:00:00+01:00)",
    "duration": "duration (e.g. P1D or PT2H)",
    "cycle": "cycle (e.g. R/P1M, R3/PT1H or R12/2030-01-01T08:00:00Z/P1M)",
}


def _duration(value: str) -> dict:
    if not value.upper().startswith("P"):
        raise ValueError("a duration starts with 'P'")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value)
    except Exception as exc:  # Spiff raises a bare Exception
        raise ValueError(str(exc)) from exc
    if not parsed:
        raise ValueError("the duration is empty")
    return parsed


def _cycle(value: str) -> tuple[int, datetime | None, dict]:
    """Split ``R[n]/[start/]interval`` into cycles (-1: unbounded), start (or None) and interval."""
    parts = value.split("/")
    if not parts[0].upper().startswith("R") or len(parts) not in (2, 3):
        raise ValueError("a cycle has the form R[n]/[start/]interval")
    count = parts[0][1:]
    if count and (not count.isdigit() or int(count) == 0):
        raise ValueError(f"'{parts[0]}' is no repetition count (R, or R followed by a number above 0)")
    start = None
    if len(parts) == 3:
        try:
            start = parse_datetime(parts[1])
        except ValueError as exc:
            raise ValueError(f"the cycle's start '{parts[1]}' is no date and time (cycles with an end are "
                             "not supported)") from exc
    interval = _duration(parts[-1])
    if any(isinstance(interval.get(unit, 0), float) for unit in ("years", "months")):
        raise ValueError("a cycle's interval cannot have fractional years or months")
    if not any(interval.values()):
        raise ValueError("a cycle's interval must be longer than zero")
    return int(count) if count else -1, start, interval


def _add_interval(start: datetime, interval: dict, times: int) -> datetime:
    """Return ``start`` plus ``times`` intervals.

    Years, months, weeks and days count in ``start``'s wall time (in legal
    time, a daily 08:00 stays 08:00 in summer; 31 Jan + 1 month = 28/29 Feb);
    hours, minutes and seconds are exact (PT1H is 60 minutes, also on the
    night the clocks change).
    """
    months = (interval.get("years", 0) * 12 + interval.get("months", 0)) * times
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    if year > datetime.max.year:
        raise OverflowError("date beyond the calendar")
    shifted = start.replace(year=year, month=month + 1, day=day)
    dates = {unit: interval[unit] * times for unit in ("weeks", "days") if unit in interval}
    clock = {unit: interval[unit] * times for unit in ("hours", "minutes", "seconds") if unit in interval}
    in_wall_time = shifted + timedelta(**dates)
    return (in_wall_time.astimezone(timezone.utc) + timedelta(**clock)).astimezone(start.tzinfo)
