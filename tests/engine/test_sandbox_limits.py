"""Script limits are enforced by the operating system: every payload family ends within 2x the limits.

Each family (straight-line C-level work, growth by extend/f-strings/%/repetition,
deep recursion, many small allocations) runs in the sandbox directly, from a
thread as in a web server, and through the background worker; the limit holds
within twice the configured time and memory, the error names it, and the process
that ran the case is unharmed (its own memory did not grow, it goes on working).
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import select

from engine import definitions
from engine.db import transaction
from engine.models_jobs import Incident
from engine.registry import ServiceRegistry
from engine.sandbox.errors import SandboxUsage
from engine.script_engine import SandboxedEnvironment, ScriptResourceError, ScriptTimeout
from tests.engine import background as bg
from tests.engine.sandbox_payloads import MEMORY_LIMIT, PAYLOADS, TIME_LIMIT, payload_model, resident_bytes


def _expected(family: str) -> tuple[type[BaseException], ...]:
    if "recursion" in family:
        return (RecursionError,)
    return (ScriptTimeout, ScriptResourceError)


@pytest.mark.parametrize("family", sorted(PAYLOADS))
def test_payload_is_stopped_within_twice_the_limits_and_the_caller_is_unharmed(family):
    env = SandboxedEnvironment(time_limit=TIME_LIMIT, memory_limit=MEMORY_LIMIT)
    env.evaluate("1 + 1", {})  # the sandbox process is running
    outcome: dict = {}
    rss_before = resident_bytes()

    def run() -> None:  # in a thread, as a web server runs a request
        started = time.monotonic()
        try:
            env.execute(PAYLOADS[family], {})
        except Exception as exc:  # noqa: BLE001 - recorded for the assertions
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10 * TIME_LIMIT)
    assert not thread.is_alive()
    error = outcome["error"]
    assert isinstance(error, _expected(family)), repr(error)
    assert outcome["elapsed"] <= 2 * TIME_LIMIT
    usage: SandboxUsage = error.usage
    if usage.peak_bytes is not None:
        assert usage.peak_bytes <= 2 * MEMORY_LIMIT, f"sandbox process peaked at {usage.peak_bytes >> 20} MiB"
    if isinstance(error, ScriptTimeout):
        assert f"time limit of {TIME_LIMIT:g} s" in str(error)
    elif isinstance(error, ScriptResourceError):
        assert "memory limit of 64 MiB" in str(error) or "CPU or memory limit" in str(error)
    assert resident_bytes() - rss_before < MEMORY_LIMIT // 2  # none of it happened in this process
    assert env.evaluate("sum(range(10))", {}) == 45  # and the sandbox works on


def test_payloads_in_the_worker_become_incidents_that_name_the_limit(session_factory, authority):
    registry = ServiceRegistry()
    registry.register("test.sandbox_noop", lambda: {"ok": True})
    ctx = bg.context(registry, script_time_limit=TIME_LIMIT, script_memory_limit=MEMORY_LIMIT, service_max_attempts=1)
    key = f"sandbox_worker_{uuid.uuid4().hex[:8]}"
    with transaction(session_factory) as session:
        definitions.deploy(session, {"payloads.bpmn": payload_model(key, first="service")},
                           authority_id=authority.id, deployed_by="test", known_operations=registry.names())
    worker = bg.worker(session_factory, ctx, authority.id)

    def run(family: str) -> tuple[str, float]:
        case_id = bg.start(session_factory, ctx, authority.id, key, {"family": family})
        started = time.monotonic()
        assert bg.drain(worker) == 1
        return case_id, time.monotonic() - started

    harmless_case, baseline = run("harmless")
    assert bg.open_task_ids(session_factory, harmless_case) == ["after"]
    rss_before = resident_bytes()
    for family in sorted(PAYLOADS):
        case_id, elapsed = run(family)
        assert elapsed - baseline <= 2 * TIME_LIMIT, f"{family}: {elapsed:.2f} s"
        with transaction(session_factory) as session:
            [incident] = session.scalars(select(Incident).where(Incident.case_id == case_id)).all()
            if "recursion" in family:
                assert "RecursionError" in incident.error
            else:
                assert "limit" in incident.error, incident.error
        assert bg.open_task_ids(session_factory, case_id) == []  # nothing of the failed step was kept
    assert resident_bytes() - rss_before < MEMORY_LIMIT // 2
    later_case, _ = run("harmless")  # the worker goes on working
    assert bg.open_task_ids(session_factory, later_case) == ["after"]
