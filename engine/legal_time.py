"""Dates in models and case data without a time zone are German legal time.

A modeller writes ``2027-07-01T08:00:00`` and a clerk enters ``2027-07-01``
meaning 8 o'clock or midnight in Mecklenburg-Vorpommern, summer time
included, whatever zone the server runs in (a container usually runs in
UTC). SpiffWorkflow would read such a value in the server's offset at the
time it was imported (a fixed offset, without summer time), so timer values
get their zone here before Spiff sees them:

- a timeDate's value, and the start of a timeCycle, are given the offset that
  Europe/Berlin has on that date;
- a timer start event's schedule counts in Europe/Berlin wall time, so a
  daily 08:00 stays at 08:00 across the change to and from summer time.

Values with an explicit offset or ``Z`` are taken as written. The steps of a
cycle on an intermediate or boundary timer are counted by Spiff in fixed
seconds (``P1D`` is 24 hours).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimeDateEventDefinition

LEGAL_TIME = ZoneInfo("Europe/Berlin")


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 date or date and time; without a zone, it is legal time.

    Raises:
        ValueError: ``value`` is no ISO 8601 date (and time).
    """
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=LEGAL_TIME)


def zoned_timer_value(definition: Any, value: Any) -> Any:
    """Return a timer expression's value with the zone made explicit where it had none.

    Anything that is not a date without a zone (durations, week dates, values
    with an offset, non-strings) is returned unchanged; Spiff reports what is
    invalid about it.
    """
    if not isinstance(value, str):
        return value
    if isinstance(definition, TimeDateEventDefinition):
        return _zoned(value)
    if isinstance(definition, CycleTimerEventDefinition):
        parts = value.split("/")
        if len(parts) == 3:
            parts[1] = _zoned(parts[1])
            return "/".join(parts)
    return value


def _zoned(value: str) -> str:
    text = value.strip()
    if text.upper().startswith("P") or "W" in text.upper():  # a duration or a week date
        return value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return value
    return value if parsed.tzinfo is not None else parsed.replace(tzinfo=LEGAL_TIME).isoformat()
