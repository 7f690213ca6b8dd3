"""A worker killed while it renders a task protocol: after a restart the rendition exists exactly once.

The completion commits the task record and its ``rendition`` job together;
a real ``aktenfluss worker`` claims the job and is killed (SIGKILL) while it
renders. The record stays ``pending``; once the lease has expired a new
worker renders it, and the file holds one rendition, recorded once.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select

from eakte import akten
from eakte.models import Dokument, DokumentVersion
from eakte.storage import open_store
from engine import runner
from engine.connectors.config import ConnectorConfig
from engine.db import transaction
from engine.models import User
from engine.models_jobs import Job, JobEvent
from processes.casework import build_context
from tests.conftest import BACKEND
from tests.engine import background as bg

pytestmark = pytest.mark.skipif(
    BACKEND != "real", reason="worker processes on PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)"
)
AKTENFLUSS = Path(sys.executable).parent / "aktenfluss"
ENTRIES = 400
"""Entered values in the protocol: enough pages that rendering takes a while (about a second)."""


def _worker(backend, authority, log: Path) -> subprocess.Popen:
    env = {**os.environ, "AKTENFLUSS_DATABASE_URL": backend.database_url, "AKTENFLUSS_STORAGE_URL": backend.storage_url}
    with log.open("ab") as output:  # the worker writes to its own copy of the file descriptor
        return subprocess.Popen(
            [str(AKTENFLUSS), "worker", "--lease", "3", "--poll", "0.05", "--authority", authority.slug],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )


def _job(session_factory, authority_id: str) -> Job:
    """The rendition job of the test's authority (its only background job)."""
    with transaction(session_factory) as session:
        return session.scalar(select(Job).where(Job.kind == "background", Job.authority_id == authority_id))


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _case_with_a_long_protocol(backend, authority, session_factory):
    """Complete a task with many entries, so that rendering its protocol takes a while; return store and case id."""
    store = open_store(backend.storage_url)
    ctx = build_context(store=lambda: store, connectors=ConnectorConfig())
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "simple_lifecycle.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"applicant_count": 1})
    clerk = authority.user("anna", groups=["Sachbearbeitung"])
    [task_id] = bg.open_task_row_ids(session_factory, case_id)
    entries = {f"angabe_{number:03d}": f"Wert {number}" for number in range(ENTRIES)}
    with transaction(session_factory) as session:
        runner.complete_task(session, ctx, task_id, session.get(User, clerk.id), {"approved": True, **entries})
    return store, case_id


def test_worker_killed_while_rendering_gives_exactly_one_rendition(backend, authority, session_factory, tmp_path):
    store, case_id = _case_with_a_long_protocol(backend, authority, session_factory)

    victim = _worker(backend, authority, tmp_path / "worker.log")
    _wait_for(lambda: _job(session_factory, authority.id).status == "doing", 60, "the claim")
    time.sleep(0.3)  # inside the rendering
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    killed_at = _job(session_factory, authority.id)
    assert killed_at.status == "doing", "the job finished before the kill: render more entries"

    restarted = _worker(backend, authority, tmp_path / "worker.log")
    try:
        _wait_for(lambda: _job(session_factory, authority.id).status == "done", 120, "the rendition after the restart")
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0

    with transaction(session_factory) as session:
        vorgang = akten.vorgang_of_case(session, case_id)
        [version] = session.scalars(select(DokumentVersion).join(Dokument).where(
            Dokument.vorgang_id == vorgang.id, Dokument.doc_type == "Protokoll"))
        events = [e.kind for e in session.scalars(select(JobEvent).where(JobEvent.job_id == killed_at.id)
                                                   .order_by(JobEvent.id))]
    assert version.rendition_status == "ready"
    assert events == ["queued", "claimed", "lease_expired", "claimed", "done"]
    assert [e.kind for e in bg.history(session_factory, case_id)].count("document.rendered") == 1
    with pikepdf.open(io.BytesIO(b"".join(store.open(version.rendition_key)))) as pdf:
        assert len(pdf.pages) > 1
    assert bg.audit_intact(session_factory, case_id)


def test_worker_told_to_stop_while_rendering_finishes_the_rendition_and_stops(backend, authority, session_factory,
                                                                              tmp_path):
    _case_with_a_long_protocol(backend, authority, session_factory)

    worker = _worker(backend, authority, tmp_path / "worker.log")
    _wait_for(lambda: _job(session_factory, authority.id).status == "doing", 60, "the claim")
    worker.send_signal(signal.SIGTERM)  # lands on any thread of the process, often the rendering one

    assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()
    assert _job(session_factory, authority.id).status == "done"  # the job in progress was finished first
