"""Timers live in the database as jobs and fire when due, also after a restart."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from engine import runner
from engine.db import transaction, utcnow
from engine.models import User
from tests.engine import background as bg

pytestmark = pytest.mark.core

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)


def todo_timers(session_factory, case_id):
    return sorted((j.run_at, j.payload["bpmn_id"]) for j in bg.case_jobs(session_factory, case_id)
                  if j.kind == "timer" and j.status == "todo")


def test_interrupting_and_cycling_boundary_timers(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_timer.bpmn")
    with time_machine.travel(T0, tick=False) as clock:
        case_id = bg.start(session_factory, ctx, authority.id, key, {"reminders": 0})
        timers = todo_timers(session_factory, case_id)
        assert [name for _, name in timers] == ["reminder", "deadline"]
        assert abs(timers[0][0] - (T0 + timedelta(minutes=10))) < timedelta(seconds=1)
        assert abs(timers[1][0] - (T0 + timedelta(hours=1))) < timedelta(seconds=1)

        w = bg.worker(session_factory, ctx, authority.id)
        assert bg.drain(w) == 0  # nothing due yet

        clock.move_to(T0 + timedelta(minutes=10, seconds=1))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1  # a new worker: timers survive restarts
        assert bg.case_row(session_factory, case_id).data["reminders"] == 1
        assert bg.open_task_ids(session_factory, case_id) == ["decide"]  # non-interrupting

        clock.move_to(T0 + timedelta(minutes=20, seconds=2))
        bg.drain(w)
        assert bg.case_row(session_factory, case_id).data["reminders"] == 2
        assert [name for _, name in todo_timers(session_factory, case_id)] == ["deadline"]  # the cycle ended

        clock.move_to(T0 + timedelta(hours=1, seconds=1))
        bg.drain(w)
        assert bg.open_task_ids(session_factory, case_id) == ["escalate"]  # interrupting
        assert todo_timers(session_factory, case_id) == []
        kinds = bg.history_kinds(session_factory, case_id)
        assert "task.cancelled" in kinds
    assert bg.audit_intact(session_factory, case_id)


def test_completing_the_task_cancels_its_deadline(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_timer.bpmn")
    clerk = authority.user("sb", roles=("clerk", "supervisor"))
    case_id = bg.start(session_factory, ctx, authority.id, key, {"reminders": 0})
    with transaction(session_factory) as session:
        user = session.get(User, clerk.id)
        [task_id] = _open_task_rows(session, case_id)
        runner.complete_task(session, ctx, task_id, user, {})
    assert todo_timers(session_factory, case_id) == []
    assert bg.case_row(session_factory, case_id).status == "completed"


def _open_task_rows(session, case_id):
    from sqlalchemy import select

    from engine.models import UserTask

    return list(session.scalars(select(UserTask.id).where(UserTask.case_id == case_id, UserTask.status == "open")))


def test_intermediate_timer_at_a_date_from_case_data(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_wait.bpmn")
    due = T0 + timedelta(days=14)
    with time_machine.travel(T0, tick=False) as clock:
        case_id = bg.start(session_factory, ctx, authority.id, key, {"due_date": due.isoformat()})
        [(run_at, name)] = todo_timers(session_factory, case_id)
        assert name == "until_date" and abs(run_at - due) < timedelta(seconds=1)
        clock.move_to(due + timedelta(seconds=1))
        assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
        assert bg.open_task_ids(session_factory, case_id) == ["after"]


def test_idle_worker_wakes_when_the_next_timer_comes_due_not_after_its_poll_interval(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_wait.bpmn")
    due = utcnow() + timedelta(seconds=1)
    case_id = bg.start(session_factory, ctx, authority.id, key, {"due_date": due.isoformat()})
    stop = threading.Event()
    worker = bg.worker(session_factory, ctx, authority.id, poll_interval=30.0)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        deadline = due + timedelta(seconds=10)
        while bg.open_task_ids(session_factory, case_id) != ["after"] and utcnow() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
    [job] = [j for j in bg.case_jobs(session_factory, case_id) if j.kind == "timer"]
    assert job.status == "done" and job.finished_at - job.run_at < timedelta(seconds=1)
