"""Outbox jobs send what a committed step produced, even after their case ended."""

from __future__ import annotations

import pytest

from engine import jobs, runner
from engine.db import transaction
from engine.models import User
from engine.registry import ServiceRegistry
from tests.engine import background as bg

pytestmark = pytest.mark.core


@pytest.fixture()
def sent():
    return []


@pytest.fixture()
def registry(sent):
    registry = ServiceRegistry()
    registry.register("test.send", lambda text: sent.append(text) or {"ok": True})
    return registry


def _case_with_outbox_message(session_factory, ctx, authority_id: str) -> str:
    """Start a case waiting at a human task and queue an outbox message for it in the same transaction."""
    key = bg.deploy_fixture(session_factory, ctx, authority_id, "simple_lifecycle.bpmn")
    case_id = bg.start(session_factory, ctx, authority_id, key, {"applicant_count": 1})
    with transaction(session_factory) as session:
        jobs.enqueue(session, "outbox", now=ctx.clock(), case_id=case_id, authority_id=authority_id,
                     payload={"operation": "test.send", "params": {"text": "Bescheid liegt bereit"}})
    return case_id


def test_outbox_message_is_sent_after_its_case_completed(session_factory, authority, registry, sent):
    ctx = bg.context(registry)
    case_id = _case_with_outbox_message(session_factory, ctx, authority.id)
    clerk = authority.user("clerk", groups=["Sachbearbeitung"])
    [task_id] = bg.open_task_row_ids(session_factory, case_id)
    with transaction(session_factory) as session:
        runner.complete_task(session, ctx, task_id, session.get(User, clerk.id), {"approved": True})
    assert bg.case_row(session_factory, case_id).status == "completed"

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    assert sent == ["Bescheid liegt bereit"]
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.kind, job.status) == ("outbox", "done")
    assert "message.sent" in bg.history_kinds(session_factory, case_id)
    assert bg.audit_intact(session_factory, case_id)


def test_outbox_message_survives_cancelling_the_case(session_factory, authority, registry, sent):
    ctx = bg.context(registry)
    case_id = _case_with_outbox_message(session_factory, ctx, authority.id)
    supervisor = authority.user("chefin", roles=("supervisor",))
    with transaction(session_factory) as session:
        runner.cancel_case(session, ctx, case_id, session.get(User, supervisor.id), "Antrag zurückgenommen")

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    assert sent == ["Bescheid liegt bereit"]


def test_background_job_for_an_ended_case_runs_and_a_failure_opens_an_incident_of_the_case(
        session_factory, authority, sent):
    """A background job that names a case (work for it outside its steps) runs after the case ended."""
    from engine.models_jobs import Incident

    registry, calls = ServiceRegistry(), []

    def work(call):
        calls.append((call.case_id, call.params))
        if call.params.get("fail"):
            raise RuntimeError("Gegenstelle lehnt ab")

    registry.register_background("test.background", work)
    ctx = bg.context(registry)
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "simple_lifecycle.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"applicant_count": 1})
    supervisor = authority.user("leitung", roles=("supervisor",))
    with transaction(session_factory) as session:
        runner.cancel_case(session, ctx, case_id, session.get(User, supervisor.id), "Antrag zurückgenommen")
        for params in ({"ok": 1}, {"fail": 1}):
            jobs.enqueue(session, "background", now=ctx.clock(), case_id=case_id, authority_id=authority.id,
                         payload={"operation": "test.background", "params": params}, max_attempts=2)
    bg.drain(bg.worker(session_factory, ctx, authority.id))
    assert calls.count((case_id, {"ok": 1})) == 1 and calls.count((case_id, {"fail": 1})) == 2
    with transaction(session_factory) as session:
        [incident] = session.query(Incident).filter(Incident.case_id == case_id).all()
        assert "Gegenstelle lehnt ab" in incident.error
    assert "incident.opened" in bg.history_kinds(session_factory, case_id)
