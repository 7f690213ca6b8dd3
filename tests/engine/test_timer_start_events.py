"""Timer start events start cases on the definition's schedule: date, duration, cycle; replaced by new versions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from eakte import akten
from eakte.storage import open_store
from engine import jobs, start_timers
from engine.connectors.config import ConnectorConfig
from engine.db import transaction, utcnow
from engine.errors import Conflict
from engine.loader import ModelValidationError
from engine.models import Case, ProcessDefinition
from engine.models_jobs import Incident, Job
from processes.casework import build_context
from tests.conftest import BACKEND
from tests.engine import background as bg

pytestmark = pytest.mark.core

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
FIXTURE = "bg_timer_start.bpmn"
CYCLE = '<bpmn:timeCycle>"R3/PT1H"</bpmn:timeCycle>'
SECOND = timedelta(seconds=1)


def timer(kind: str, expression: str) -> dict[str, str]:
    """Replacement of the fixture's timer by ``<bpmn:kind>expression</bpmn:kind>``."""
    return {CYCLE: f"<bpmn:{kind}>{expression}</bpmn:{kind}>"}


def cases_of(session_factory, key: str) -> list[Case]:
    with transaction(session_factory) as session:
        return list(session.scalars(
            select(Case).join(ProcessDefinition, Case.definition_id == ProcessDefinition.id)
            .where(ProcessDefinition.key == key).order_by(Case.started_at, Case.id)
        ))


def waiting_start_timers(session_factory, key: str) -> list[tuple[datetime, int]]:
    with transaction(session_factory) as session:
        rows = session.scalars(select(Job).where(Job.kind == "start_timer", Job.status == "todo"))
        return sorted((job.run_at, job.payload["occurrence"]) for job in rows if job.payload["process_key"] == key)


def occurrences(session_factory, key: str) -> list[int]:
    """The occurrences named by the cases' ``case.started`` events, sorted (a repeated one would show twice)."""
    found = []
    for case in cases_of(session_factory, key):
        [started] = [e for e in bg.history(session_factory, case.id) if e.kind == "case.started"]
        assert started.actor is None
        found.append(started.data["timer"]["occurrence"])
    return sorted(found)


def test_cycle_starts_one_case_per_occurrence_past_the_start_event(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE)
        assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(hours=1), 0)]
        w = bg.worker(session_factory, ctx, authority.id)
        assert bg.drain(w) == 0 and cases_of(session_factory, key) == []

        clock.move_to(T0 + timedelta(hours=1) + SECOND)
        assert bg.drain(w) == 1
        [case] = cases_of(session_factory, key)
        assert case.status == "running" and case.started_by is None and case.data == {"checked": True}
        assert bg.open_task_ids(session_factory, case.id) == ["check"]  # started past the timer start event
        events = bg.history(session_factory, case.id)
        assert [e.kind for e in events][:3] == ["case.started", "step.completed", "step.completed"]
        assert events[0].data["timer"] == {"bpmn_id": "every_hour", "occurrence": 0,
                                           "due": (T0 + timedelta(hours=1)).isoformat()}
        assert events[1].data["bpmn_id"] == "every_hour"
        assert bg.case_jobs(session_factory, case.id) == []  # no timer waits inside the case
        assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(hours=2), 1)]

        clock.move_to(T0 + timedelta(hours=2) + SECOND)
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1  # a new worker continues the schedule
        clock.move_to(T0 + timedelta(hours=5))
        assert bg.drain(w) == 1  # R3: the third occurrence is the last
        assert waiting_start_timers(session_factory, key) == []
    assert occurrences(session_factory, key) == [0, 1, 2]
    assert all(bg.audit_intact(session_factory, case.id) for case in cases_of(session_factory, key))


def test_occurrences_due_while_no_worker_ran_start_their_cases_when_one_is_back(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=timer("timeCycle", '"R/PT1H"'))
        clock.move_to(T0 + timedelta(hours=3, minutes=30))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 3
        assert occurrences(session_factory, key) == [0, 1, 2]
        assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(hours=4), 3)]


def test_cycle_with_a_start_date_counts_from_it_and_skips_occurrences_before_the_deployment(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE,
                                replace=timer("timeCycle", '"R/2030-01-31T06:00:00Z/P1M"'))
        assert waiting_start_timers(session_factory, key) == [(datetime(2030, 3, 31, 6, tzinfo=timezone.utc), 2)]
        clock.move_to(datetime(2030, 3, 31, 6, 0, 1, tzinfo=timezone.utc))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        assert waiting_start_timers(session_factory, key) == [(datetime(2030, 4, 30, 6, tzinfo=timezone.utc), 3)]


@pytest.mark.parametrize(("kind", "expression", "due"), [
    ("timeDate", '"2030-03-05T09:30:00+01:00"', datetime(2030, 3, 5, 8, 30, tzinfo=timezone.utc)),
    ("timeDuration", '"P1DT2H"', T0 + timedelta(days=1, hours=2)),
])
def test_date_and_duration_start_one_case(session_factory, authority, kind, expression, due):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=timer(kind, expression))
        assert waiting_start_timers(session_factory, key) == [(due, 0)]
        clock.move_to(due - SECOND)
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 0
        clock.move_to(due + timedelta(days=30))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        assert waiting_start_timers(session_factory, key) == []
    assert occurrences(session_factory, key) == [0]


def test_a_new_version_replaces_the_schedule_and_identical_content_changes_nothing(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=timer("timeCycle", '"R/PT1H"'))
        clock.move_to(T0 + timedelta(minutes=10))
        bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, key=key, replace=timer("timeCycle", '"R/PT1H"'))
        assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(hours=1), 0)]  # identical: unchanged

        bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, key=key, replace=timer("timeCycle", '"R/PT30M"'))
        assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(minutes=40), 0)]
        clock.move_to(T0 + timedelta(minutes=40) + SECOND)
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        [case] = cases_of(session_factory, key)
        assert case.definition.version == 2

        bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, key=key,
                          replace={'<bpmn:timerEventDefinition><bpmn:timeCycle>"R3/PT1H"</bpmn:timeCycle>'
                                   '</bpmn:timerEventDefinition>': ""})
        assert waiting_start_timers(session_factory, key) == []  # version 3 has a plain start event
        case_id = bg.start(session_factory, ctx, authority.id, key)
        assert bg.open_task_ids(session_factory, case_id) == ["check"]


def test_an_occurrence_of_a_replaced_version_starts_nothing(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE)
    [old_job] = _jobs(session_factory, key)
    bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, key=key, replace=timer("timeCycle", '"R/PT2H"'))
    with transaction(session_factory) as session:  # as a worker that claimed the old job before the deployment
        assert start_timers.fire(session, ctx, old_job.payload) is None
    assert cases_of(session_factory, key) == []
    assert [job.status for job in _jobs(session_factory, key)] == ["cancelled", "todo"]


def _jobs(session_factory, key: str) -> list[Job]:
    with transaction(session_factory) as session:
        rows = session.scalars(select(Job).where(Job.kind == "start_timer").order_by(Job.created_at))
        return [job for job in rows if job.payload["process_key"] == key]


def test_a_case_cannot_be_started_by_hand_when_every_start_event_is_a_timer(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE)
    with pytest.raises(Conflict, match="starts its cases on a schedule .*'every_hour'"):
        bg.start(session_factory, ctx, authority.id, key)
    assert cases_of(session_factory, key) == []


def test_a_timer_start_next_to_a_plain_start_event_starts_past_the_timer_only(session_factory, authority):
    ctx = bg.context()
    plain = '<bpmn:startEvent id="by_hand"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace={
            '<bpmn:endEvent id="end">': plain + '<bpmn:endEvent id="by_hand_end"><bpmn:incoming>f0</bpmn:incoming>'
            '</bpmn:endEvent><bpmn:sequenceFlow id="f0" sourceRef="by_hand" targetRef="by_hand_end" />'
            '<bpmn:endEvent id="end">'})
        clock.move_to(T0 + timedelta(hours=1) + SECOND)
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        [case] = cases_of(session_factory, key)
        steps = [e.data["bpmn_id"] for e in bg.history(session_factory, case.id) if e.kind == "step.completed"]
        assert steps == ["every_hour", "count"]  # the plain start event was cancelled, not run
        assert bg.open_task_ids(session_factory, case.id) == ["check"]


@pytest.mark.parametrize(("replacement", "message"), [
    (timer("timeCycle", '"R0/PT1H"'), "'R0' is no repetition count"),
    (timer("timeCycle", '"R/PT1H/2030-06-01T00:00:00Z"'), "cycles with an end are not supported"),
    (timer("timeCycle", '"jede Stunde"'), "no valid ISO 8601 cycle"),
    (timer("timeDate", '"morgen früh"'), "no valid ISO 8601 date and time"),
    (timer("timeDuration", '"1 Stunde"'), "a duration starts with 'P'"),
    (timer("timeDuration", "frist"), "cannot use case data"),
    (timer("timeDuration", "3600"), "must give a string, not int"),
    (timer("timeDate", '"2030-03-01T00:00:00Z"'), "has no occurrence after now"),
    (timer("timeCycle", '"R2/2030-03-01T00:00:00Z/P1D"'), "has no occurrence after now"),
])
def test_invalid_timer_start_events_are_refused_at_deployment(session_factory, authority, replacement, message):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False), pytest.raises(ModelValidationError) as refused:
        bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=replacement)
    [problem] = refused.value.problems
    assert problem.element_id == "every_hour" and "timer start event 'every_hour'" in problem.message
    assert message in problem.message


def test_a_model_shared_by_all_authorities_cannot_have_a_timer_start_event(session_factory):
    ctx = bg.context()
    with pytest.raises(ModelValidationError, match="shared by all authorities cannot start cases on a schedule"):
        bg.deploy_fixture(session_factory, ctx, None, FIXTURE)


def test_a_worker_that_lost_its_lease_cannot_start_the_occurrence_a_second_time(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE)
        clock.move_to(T0 + timedelta(hours=1) + SECOND)
        slow = bg.worker(session_factory, ctx, authority.id)
        claimed = jobs.claim(session_factory, slow.name, now=utcnow(), lease=timedelta(seconds=30),
                             authority_id=authority.id)
        clock.move_to(T0 + timedelta(hours=1, minutes=1))  # the slow worker's lease expires
        assert jobs.reclaim_expired(session_factory, now=utcnow()) >= 1
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        slow._process(claimed)  # its work is rolled back: LeaseLost
    assert occurrences(session_factory, key) == [0]
    assert [occurrence for _, occurrence in waiting_start_timers(session_factory, key)] == [1]


@pytest.mark.skipif(BACKEND != "real", reason="concurrent workers need PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)")
def test_two_workers_never_start_the_same_occurrence_twice(session_factory, authority):
    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=timer("timeCycle", '"R/PT1M"'))
        clock.move_to(T0 + timedelta(minutes=30, seconds=30))
        workers = [bg.worker(session_factory, ctx, authority.id) for _ in range(2)]
        ran = [0, 0]

        def work(index: int) -> None:
            ran[index] = bg.drain(workers[index])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        while bg.drain(workers[0]):  # one worker may have found nothing due while the other ran the last one
            pass
    assert occurrences(session_factory, key) == list(range(30))
    assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(minutes=31), 30)]


def test_a_case_started_by_its_timer_gets_an_aktenzeichen_and_a_file(session_factory, authority, backend):
    store = open_store(backend.storage_url)
    ctx = build_context(store=lambda: store, connectors=ConnectorConfig())
    ahead = timedelta(hours=1, seconds=1)  # the engine clock moves; S3 refuses requests signed in the future
    key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE, replace=timer("timeDuration", '"PT1H"'))
    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 0
    assert bg.drain(bg.worker(session_factory, replace(ctx, clock=lambda: utcnow() + ahead), authority.id)) == 1
    [case] = cases_of(session_factory, key)
    assert case.business_key and case.business_key.startswith("00.01-")
    with transaction(session_factory) as session:
        assert akten.vorgang_of_case(session, case.id) is not None


def test_a_start_that_keeps_failing_opens_an_incident_and_its_retry_continues_the_schedule(session_factory, authority):
    def refusing_sink(session, case, kind, actor, data):
        raise RuntimeError("Aktenplan nicht erreichbar")

    ctx = bg.context()
    with time_machine.travel(T0, tick=False) as clock:
        key = bg.deploy_fixture(session_factory, ctx, authority.id, FIXTURE)
        clock.move_to(T0 + timedelta(hours=1) + SECOND)
        assert bg.drain(bg.worker(session_factory, replace(ctx, events=refusing_sink), authority.id)) == 5
        [job] = _jobs(session_factory, key)
        assert job.status == "failed" and "Aktenplan nicht erreichbar" in job.last_error
        with transaction(session_factory) as session:
            [incident] = session.scalars(select(Incident).where(Incident.job_id == job.id))
            assert incident.case_id is None and incident.task_bpmn_id == "every_hour"
            assert jobs.retry_failed(session, job.id, now=utcnow(), actor="aufsicht")
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    assert occurrences(session_factory, key) == [0]
    assert waiting_start_timers(session_factory, key) == [(T0 + timedelta(hours=2), 1)]
