"""Timer dates without a zone are German legal time (Europe/Berlin, summer time included)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from engine.legal_time import zoned_timer_value
from engine.timers import StartTimer
from tests.engine import background as bg
from tests.engine.test_timers import todo_timers

pytestmark = pytest.mark.core

DATE = TimeDateEventDefinition("date", "x")
CYCLE = CycleTimerEventDefinition("cycle", "x")
DURATION = DurationTimerEventDefinition("duration", "x")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize(("definition", "value", "expected"), [
    (DATE, "2027-01-15T08:00:00", "2027-01-15T08:00:00+01:00"),  # winter time
    (DATE, "2027-07-01T08:00:00", "2027-07-01T08:00:00+02:00"),  # summer time
    (DATE, "2027-07-01", "2027-07-01T00:00:00+02:00"),  # a date entered in a form: midnight
    (DATE, "2027-07-01T08:00:00Z", "2027-07-01T08:00:00Z"),  # explicit zones are kept as written
    (DATE, "2027-07-01T08:00:00+00:00", "2027-07-01T08:00:00+00:00"),
    (CYCLE, "R3/2027-07-01T08:00:00/P1D", "R3/2027-07-01T08:00:00+02:00/P1D"),
    (CYCLE, "R/P1D", "R/P1D"),
    (DURATION, "PT2H", "PT2H"),
    (DATE, "kein Datum", "kein Datum"),  # invalid values are left for Spiff to refuse
    (DATE, 42, 42),
])
def test_a_timer_value_gets_the_offset_of_legal_time_on_its_date(definition, value, expected):
    assert zoned_timer_value(definition, value) == expected


def test_a_daily_start_timer_stays_at_eight_oclock_across_the_change_to_summer_time():
    timer = StartTimer("daily", "cycle", "R/2027-03-27T08:00:00/P1D")  # clocks change on 28 March 2027
    anchor = utc(2027, 3, 1)
    assert [timer.due(anchor, n) for n in range(3)] == [utc(2027, 3, 27, 7), utc(2027, 3, 28, 6), utc(2027, 3, 29, 6)]


def test_a_start_timer_with_an_explicit_offset_keeps_that_offset():
    timer = StartTimer("daily", "cycle", "R/2027-03-27T08:00:00+01:00/P1D")
    assert [timer.due(utc(2027, 3, 1), n) for n in range(2)] == [utc(2027, 3, 27, 7), utc(2027, 3, 28, 7)]


def test_hourly_start_timers_count_exact_hours_in_the_night_the_clocks_change():
    timer = StartTimer("hourly", "cycle", "R/2027-03-28T00:00:00/PT1H")  # 02:00 becomes 03:00
    due = [timer.due(utc(2027, 3, 1), n) for n in range(4)]
    assert due == [utc(2027, 3, 27, 23), utc(2027, 3, 28, 0), utc(2027, 3, 28, 1), utc(2027, 3, 28, 2)]
    assert len(set(due)) == 4


def test_a_case_waits_for_a_date_without_zone_until_that_time_in_germany(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_wait.bpmn")
    with time_machine.travel(utc(2030, 6, 1), tick=False) as clock:
        case_id = bg.start(session_factory, ctx, authority.id, key, {"due_date": "2030-07-01T08:00:00"})
        [(run_at, name)] = todo_timers(session_factory, case_id)
        assert name == "until_date" and abs(run_at - utc(2030, 7, 1, 6)) < timedelta(seconds=1)
        clock.move_to(utc(2030, 7, 1, 5, 59))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 0  # 07:59 in Germany: not yet
        clock.move_to(utc(2030, 7, 1, 6, 0, 1))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        assert bg.open_task_ids(session_factory, case_id) == ["after"]
