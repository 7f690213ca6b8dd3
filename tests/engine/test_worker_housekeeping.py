"""The worker's periodic housekeeping: expired leases back into the queue, kept messages expired."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import messages, runner
from engine.db import transaction
from engine.models_jobs import CaseMessage
from tests.engine import background as bg

pytestmark = pytest.mark.core


def _keep_message(session_factory, ctx, case_id: str) -> str:
    with transaction(session_factory) as session:
        case = runner.lock_case(session, case_id)
        return messages.keep_message(session, ctx, case, "Unterlagen", {"x": 1}, "test").id


def _message_status(session_factory, message_id: str) -> str:
    with transaction(session_factory) as session:
        return session.scalar(select(CaseMessage.status).where(CaseMessage.id == message_id))


def test_running_worker_expires_kept_messages_past_their_ttl(session_factory, authority):
    ctx = bg.context(message_ttl=timedelta(microseconds=1))
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_message.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key)
    expired = _keep_message(session_factory, ctx, case_id)
    kept = _keep_message(session_factory, bg.context(), case_id)  # default TTL: 30 days
    assert _message_status(session_factory, expired) == "pending"

    stop = threading.Event()
    worker = bg.worker(session_factory, ctx, authority.id, poll_interval=0.01, reclaim_interval=0.05)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        stop.wait(0.5)
    finally:
        stop.set()
        thread.join()
    assert _message_status(session_factory, expired) == "expired"
    assert _message_status(session_factory, kept) == "pending"
