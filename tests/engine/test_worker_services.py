"""Service tasks run in the worker: the request does not call, the job does, once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from engine.models_jobs import Incident, JobEvent
from engine.registry import ServiceRegistry
from tests.engine import background as bg

pytestmark = pytest.mark.core


@pytest.fixture()
def calls():
    return []


@pytest.fixture()
def registry(calls):
    registry = ServiceRegistry()

    def lookup(person_id, times):
        calls.append((person_id, times))
        if person_id == "broken":
            raise RuntimeError("register is down")
        return {"name": f"Person {person_id}", "times": times}

    registry.register("test.lookup", lookup)
    return registry


def test_start_queues_the_call_and_the_worker_completes_it(session_factory, authority, registry, calls):
    ctx = bg.context(registry)
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_service.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"person_id": "p-1", "times": 3})

    assert calls == []  # the request did not call the service
    assert bg.open_task_ids(session_factory, case_id) == []
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.kind, job.status, job.payload["operation"]) == ("service", "todo", "test.lookup")
    assert job.payload["params"] == {"person_id": "p-1", "times": 6}

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    assert calls == [("p-1", 6)]
    case = bg.case_row(session_factory, case_id)
    assert case.data["register"] == {"name": "Person p-1", "times": 6}
    assert bg.open_task_ids(session_factory, case_id) == ["review"]
    [job] = bg.case_jobs(session_factory, case_id)
    assert job.status == "done" and job.attempts == 1
    kinds = bg.history_kinds(session_factory, case_id)
    assert kinds.count("service.called") == 1 and "task.created" in kinds
    called = next(e for e in bg.history(session_factory, case_id) if e.kind == "service.called")
    assert called.data["response"] == {"name": "Person p-1", "times": 6}
    assert bg.audit_intact(session_factory, case_id)


def test_failing_call_is_retried_then_becomes_incident(session_factory, authority, registry, calls):
    ctx = bg.context(registry, service_max_attempts=3)
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_service.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"person_id": "broken", "times": 1})

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 3
    assert len(calls) == 3
    [job] = bg.case_jobs(session_factory, case_id)
    assert job.status == "failed" and "register is down" in job.last_error
    with transaction(session_factory) as session:
        incident = session.scalar(select(Incident).where(Incident.case_id == case_id))
        events = list(session.scalars(select(JobEvent.kind).where(JobEvent.job_id == job.id).order_by(JobEvent.id)))
    assert incident.resolved_at is None and incident.attempts == 3 and incident.task_bpmn_id == "lookup"
    assert events == ["queued", "claimed", "retry", "claimed", "retry", "claimed", "failed"]
    assert "incident.opened" in bg.history_kinds(session_factory, case_id)
    assert bg.open_task_ids(session_factory, case_id) == []
    assert bg.audit_intact(session_factory, case_id)


def test_backoff_grows_exponentially_with_jitter():
    from engine.jobs import Backoff

    backoff = Backoff(base_seconds=2, cap_seconds=60)
    for attempt, full in ((1, 2), (2, 4), (3, 8), (6, 60), (10, 60)):
        delays = {backoff.delay(attempt).total_seconds() for _ in range(20)}
        assert all(full * 0.5 <= d <= full for d in delays)
        assert len(delays) > 1  # jittered


def _registry_with(lookup) -> ServiceRegistry:
    registry = ServiceRegistry()
    registry.register("test.lookup", lookup)
    return registry


def _set_status(session_factory, case_id: str, status: str) -> None:
    """Change a case's status from another transaction, as a supervisor would meanwhile."""
    with transaction(session_factory) as session:
        session.get(Case, case_id).status = status


def test_case_suspended_after_the_claim_gets_its_job_back_without_a_failed_attempt(session_factory, authority, calls):
    case = {}

    def lookup(person_id, times):  # the case is suspended while the call is under way
        calls.append(person_id)
        if len(calls) == 1:
            _set_status(session_factory, case["id"], "suspended")
        return {"name": f"Person {person_id}"}

    ctx = bg.context(_registry_with(lookup))
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_service.bpmn")
    case["id"] = case_id = bg.start(session_factory, ctx, authority.id, key, {"person_id": "p-1", "times": 1})
    worker = bg.worker(session_factory, ctx, authority.id)
    assert bg.drain(worker) == 1
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.status, job.attempts, job.last_error) == ("todo", 0, None)
    assert bg.drain(worker) == 0  # not claimed while the case is suspended
    assert "service.called" not in bg.history_kinds(session_factory, case_id)

    _set_status(session_factory, case_id, "running")
    assert bg.drain(worker) == 1
    assert calls == ["p-1"]  # the result obtained before the suspension is applied, not fetched again
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.status, job.attempts) == ("done", 1)
    assert bg.case_row(session_factory, case_id).data["register"] == {"name": "Person p-1"}
    with transaction(session_factory) as session:
        events = list(session.scalars(select(JobEvent.kind).where(JobEvent.job_id == job.id).order_by(JobEvent.id)))
        assert session.scalar(select(Incident).where(Incident.case_id == case_id)) is None
    assert events == ["queued", "claimed", "released", "claimed", "done"]
    assert bg.open_task_ids(session_factory, case_id) == ["review"]
    assert bg.audit_intact(session_factory, case_id)


def test_job_of_a_case_cancelled_after_the_claim_ends_without_effect(session_factory, authority):
    case = {}

    def lookup(person_id, times):
        _set_status(session_factory, case["id"], "cancelled")
        return {"name": f"Person {person_id}"}

    ctx = bg.context(_registry_with(lookup))
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_service.bpmn")
    case["id"] = case_id = bg.start(session_factory, ctx, authority.id, key, {"person_id": "p-1", "times": 1})
    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.status, job.attempts) == ("done", 1)
    assert bg.case_row(session_factory, case_id).data.get("register") is None
    assert "service.called" not in bg.history_kinds(session_factory, case_id)
