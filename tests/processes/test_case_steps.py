"""The generic steps packages call by name: deadlines and appointments in German legal time (fees: the building
permit's tests, tests/processes/test_baugenehmigung.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.registry import CaseCall
from processes.case_steps import appointment, deadline


def _call(now: datetime) -> CaseCall:
    return CaseCall(session=None, case=None, now=now)


def test_a_deadline_counts_days_from_the_german_date():
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # already 2 March in Germany
    assert deadline(_call(late_evening), tage=14) == {"frist": "P14D", "frist_bis": "2026-03-16"}
    assert deadline(_call(late_evening), tage="28")["frist"] == "P28D"


@pytest.mark.parametrize("days", [0, -3, 4000, 1.5, "viele", True, None])
def test_a_deadline_of_no_whole_number_of_days_fails_the_step(days):
    with pytest.raises(ValueError):
        deadline(_call(datetime(2026, 3, 1, tzinfo=timezone.utc)), tage=days)


def test_an_appointment_begins_in_german_legal_time_with_its_details():
    now = _call(datetime(2026, 1, 5, tzinfo=timezone.utc))
    summer = appointment(now, datum="2026-06-12", uhrzeit="11:30", trauort="Rathaus, Festsaal")
    assert summer == {"beginn": "2026-06-12T11:30:00+02:00", "datum": "2026-06-12", "uhrzeit": "11:30",
                      "trauort": "Rathaus, Festsaal"}
    assert appointment(now, datum="2026-12-04", uhrzeit="09:05:00")["beginn"] == "2026-12-04T09:05:00+01:00"
    with pytest.raises(ValueError):
        appointment(now, datum="12.06.2026", uhrzeit="11:30")
