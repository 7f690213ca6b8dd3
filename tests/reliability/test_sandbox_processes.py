"""Against real processes: hostile scripts neither kill nor bloat ``aktenfluss serve`` (gunicorn) or ``aktenfluss worker``.

The review saw a gunicorn worker SIGKILLed by its timeout while a script ran a
single C-level call. Here every payload family goes through a real web server
and a real worker process with one-second, 64 MiB script limits: each request
answers 422 within twice the limit, each timer job ends in an incident naming
the limit, and afterwards the very same web and worker processes are alive,
small, and still serve a harmless case to its end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from engine.db import transaction
from engine.models_jobs import Incident
from tests.engine import background as bg
from tests.engine.sandbox_payloads import MEMORY_LIMIT, PAYLOADS, TIME_LIMIT, payload_model

AKTENFLUSS = Path(sys.executable).parent / "aktenfluss"
pytestmark = pytest.mark.skipif(not AKTENFLUSS.exists(), reason="the aktenfluss command is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.fixture()
def servers(backend, authority, tmp_path):
    """``aktenfluss serve`` with one gunicorn worker, and ``aktenfluss worker`` for the test's authority."""
    port = _free_port()
    env = {**os.environ, "AKTENFLUSS_DATABASE_URL": backend.database_url, "AKTENFLUSS_STORAGE_URL": backend.storage_url,
           "AKTENFLUSS_SECRET_KEY": "sandbox-test", "AKTENFLUSS_SCRIPT_TIME_LIMIT": str(TIME_LIMIT),
           "AKTENFLUSS_SCRIPT_MEMORY_LIMIT": str(MEMORY_LIMIT)}
    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("serve", "worker")}  # noqa: SIM115
    web = subprocess.Popen([str(AKTENFLUSS), "serve", "--port", str(port), "--workers", "1"], env=env,
                           stdout=logs["serve"], stderr=subprocess.STDOUT)
    worker = subprocess.Popen([str(AKTENFLUSS), "worker", "--poll", "0.05", "--retry-base", "0.1",
                               "--authority", authority.slug], env=env, stdout=logs["worker"], stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
        yield base, web, worker
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            process.wait(timeout=30)
        for log in logs.values():
            log.close()


def test_payloads_leave_the_web_server_and_the_worker_alive_and_small(servers, authority, session_factory):
    base, web, worker = servers
    [web_worker] = _children(web.pid)  # gunicorn's worker process serves the requests
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",))
    key, timer_key = f"sandbox_web_{uuid.uuid4().hex[:8]}", f"sandbox_timer_{uuid.uuid4().hex[:8]}"
    for process_key, first in ((key, "user"), (timer_key, "timer")):
        deployed = requests.post(f"{base}/api/v1/process-definitions", headers=modeller.headers, timeout=30,
                                 files={"file": ("p.bpmn", payload_model(process_key, first=first))})
        assert deployed.status_code == 201, deployed.text

    def through_web(family: str) -> tuple[requests.Response, float]:
        case = requests.post(f"{base}/api/v1/cases", json={"process_key": key, "data": {"family": family}},
                             headers=clerk.headers, timeout=30).json()
        [task] = case["open_tasks"]
        started = time.monotonic()
        response = requests.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": {}},
                                 headers=clerk.headers, timeout=60)
        return response, time.monotonic() - started

    def through_worker(family: str) -> str:
        case = requests.post(f"{base}/api/v1/cases", json={"process_key": timer_key, "data": {"family": family}},
                             headers=clerk.headers, timeout=30)
        assert case.status_code == 201, case.text
        return case.json()["id"]

    harmless, baseline = through_web("harmless")
    assert harmless.status_code == 200, harmless.text
    web_rss, worker_rss = _rss(web_worker), _rss(worker.pid)
    worker_cases = {family: through_worker(family) for family in sorted(PAYLOADS)}
    for family in sorted(PAYLOADS):
        response, elapsed = through_web(family)
        assert response.status_code == 422, (family, response.text)
        assert elapsed - baseline <= 2 * TIME_LIMIT, f"{family}: {elapsed:.2f} s"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with transaction(session_factory) as session:
            incidents = {row.case_id: row.error for row in session.scalars(
                select(Incident).where(Incident.case_id.in_(worker_cases.values())))}
        if len(incidents) == len(worker_cases):
            break
        time.sleep(0.5)
    assert len(incidents) == len(worker_cases), incidents
    for family, case_id in worker_cases.items():
        assert ("RecursionError" if "recursion" in family else "limit") in incidents[case_id], incidents[case_id]

    assert web.poll() is None and worker.poll() is None
    assert _children(web.pid) == [web_worker], "gunicorn had to replace its worker"
    assert _rss(web_worker) - web_rss < MEMORY_LIMIT // 2
    assert _rss(worker.pid) - worker_rss < MEMORY_LIMIT // 2
    again, _ = through_web("harmless")
    assert again.status_code == 200
    later = through_worker("harmless")
    for _ in range(100):
        if bg.open_task_ids(session_factory, later) == ["after"]:
            break
        time.sleep(0.2)
    assert bg.open_task_ids(session_factory, later) == ["after"]
