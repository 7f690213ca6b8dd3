"""Several worker *processes* on PostgreSQL: every job's effect exactly once, also after SIGKILL.

The specialist system is a real HTTP server on 127.0.0.1; the workers are real
``aktenfluss worker`` processes calling it through the HTTP connector. Cases
are started with the context the ``aktenfluss worker`` command builds (every
case filed into the E-Akte on the test backend's document store).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eakte.audit import iter_breaks
from eakte.models.audit import AuditEvent
from eakte.storage import open_store
from engine import definitions, incidents
from engine.connectors.config import ConnectorConfig
from engine.db import transaction
from engine.models import User, UserTask
from engine.models_jobs import Incident, Job
from processes.casework import build_context
from tests.conftest import BACKEND
from tests.engine import background as bg

pytestmark = pytest.mark.skipif(
    BACKEND != "real", reason="multi-process worker tests need PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)"
)
AKTENFLUSS = Path(sys.executable).parent / "aktenfluss"


class Specialist(ThreadingHTTPServer):
    """A specialist system: answers POST /lookup, counts calls per idempotency key, can be 'down'."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.up = True
        self.calls: Counter = Counter()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.calls[self.headers["Idempotency-Key"]] += 1
        if not self.server.up:
            self.send_response(503)
            self.end_headers()
            return
        payload = json.dumps({"person": body["person_id"], "registered": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def specialist():
    server = Specialist()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def connectors_file(tmp_path, specialist):
    path = tmp_path / "connectors.yaml"
    path.write_text(
        "default:\n  rel.lookup:\n"
        f"    url: http://127.0.0.1:{specialist.server_address[1]}\n    method: POST\n    path: /lookup\n    timeout: 2\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def ctx(backend, connectors_file):
    store = open_store(backend.storage_url)
    return replace(build_context(store=lambda: store, connectors=ConnectorConfig.from_file(connectors_file)),
                   service_max_attempts=3)


class Workers:
    """Starts and stops ``aktenfluss worker`` processes."""

    def __init__(self, backend, connectors_file, log_dir, authority_slug):
        self.env = {**os.environ, "AKTENFLUSS_DATABASE_URL": backend.database_url,
                    "AKTENFLUSS_STORAGE_URL": backend.storage_url, "AKTENFLUSS_CONNECTORS_FILE": str(connectors_file)}
        self.log_dir, self.processes, self.authority_slug = log_dir, [], authority_slug

    def start(self, count: int) -> list[subprocess.Popen]:
        started = []
        for _ in range(count):
            log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 - closed in stop
            process = subprocess.Popen(
                [str(AKTENFLUSS), "worker", "--lease", "3", "--poll", "0.05", "--retry-base", "0.2",
                 "--authority", self.authority_slug],  # tests share the database: only this test's jobs
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
            process.log = log
            self.processes.append(process)
            started.append(process)
        return started

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            assert process.wait(timeout=30) in (0, -signal.SIGKILL), (self.log_dir / "worker-0.log").read_text()
            process.log.close()


@pytest.fixture()
def workers(backend, connectors_file, tmp_path, authority):
    pool = Workers(backend, connectors_file, tmp_path, authority.slug)
    yield pool
    pool.stop()


def _start_cases(session_factory, ctx, authority, count: int) -> list[str]:
    key = _deploy(session_factory, ctx, authority)
    return [bg.start(session_factory, ctx, authority.id, key, {"person_id": f"p-{i}", "times": 1}) for i in range(count)]


def _deploy(session_factory, ctx, authority) -> str:
    key = f"rel_{uuid.uuid4().hex[:8]}"
    content = (bg.FIXTURES / "bg_service.bpmn").read_text(encoding="utf-8")
    content = content.replace("test.lookup", "rel.lookup").replace('id="bg_service"', f'id="{key}"')
    with transaction(session_factory) as session:
        definitions.deploy(session, {"rel.bpmn": content.encode()}, authority_id=authority.id, deployed_by="test",
                           known_operations=ctx.registry.names())
    return key


def _done_count(session_factory, case_ids) -> int:
    with transaction(session_factory) as session:
        return session.scalar(
            select(func.count()).select_from(Job).where(Job.case_id.in_(case_ids), Job.status == "done")
        )


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _assert_each_effect_once(session_factory, case_ids) -> None:
    with transaction(session_factory) as session:
        open_tasks = Counter(session.scalars(
            select(UserTask.case_id).where(UserTask.case_id.in_(case_ids), UserTask.status == "open")
        ))
        calls = Counter(session.scalars(
            select(AuditEvent.case_id).where(AuditEvent.case_id.in_(case_ids), AuditEvent.kind == "service.called")
        ))
        statuses = Counter(session.scalars(select(Job.status).where(Job.case_id.in_(case_ids))))
        breaks = [b for b in iter_breaks(session) if b.stream.removeprefix("case/") in set(case_ids)]
    assert statuses == Counter({"done": len(case_ids)})
    assert set(open_tasks.values()) == {1} and len(open_tasks) == len(case_ids)
    assert set(calls.values()) == {1} and len(calls) == len(case_ids)
    assert breaks == []


@pytest.mark.parametrize("worker_count", [2, 4])
def test_many_workers_apply_each_job_once(session_factory, ctx, authority, workers, specialist, worker_count):
    case_ids = _start_cases(session_factory, ctx, authority, 1000)
    workers.start(worker_count)
    _wait_for(lambda: _done_count(session_factory, case_ids) == len(case_ids), 300, "1,000 jobs")
    workers.stop()
    _assert_each_effect_once(session_factory, case_ids)
    assert sum(specialist.calls.values()) == len(case_ids)  # no job was even called twice


def test_worker_killed_mid_job_loses_nothing_and_applies_nothing_twice(session_factory, ctx, authority, workers, specialist):
    case_ids = _start_cases(session_factory, ctx, authority, 300)
    victim, _ = workers.start(2)
    _wait_for(lambda: _done_count(session_factory, case_ids) >= 60, 120, "first jobs")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    workers.start(1)  # the restarted worker
    _wait_for(lambda: _done_count(session_factory, case_ids) == len(case_ids), 300, "all jobs after the kill")
    workers.stop()
    _assert_each_effect_once(session_factory, case_ids)
    assert len(specialist.calls) == len(case_ids)  # every job called; a repeated call carries the same key


def test_specialist_down_incident_then_retry_succeeds(session_factory, ctx, authority, workers, specialist):
    supervisor = authority.user("aufsicht", roles=("supervisor",))
    specialist.up = False
    [case_id] = _start_cases(session_factory, ctx, authority, 1)
    workers.start(1)

    def incident():
        with transaction(session_factory) as session:
            return session.scalar(select(Incident).where(Incident.case_id == case_id, Incident.resolved_at.is_(None)))

    _wait_for(lambda: incident() is not None, 60, "the incident")
    opened = incident()
    assert opened.attempts == 3 and "503" in opened.error
    assert sum(specialist.calls.values()) == 3

    specialist.up = True
    with transaction(session_factory) as session:
        incidents.retry_incident(session, ctx, session.get(User, supervisor.id), opened.id)
    _wait_for(lambda: bg.open_task_ids(session_factory, case_id) == ["review"], 60, "the case to continue")
    assert bg.case_row(session_factory, case_id).data["register"] == {"person": "p-0", "registered": True}
    assert incident() is None
    assert bg.audit_intact(session_factory, case_id)
