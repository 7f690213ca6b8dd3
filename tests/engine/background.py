"""Helpers for tests of background execution: deploy a fixture model, start cases, run the worker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from eakte.audit import iter_breaks
from engine import definitions, jobs, runner
from engine.db import transaction
from engine.models import Case, UserTask
from engine.models_jobs import Job
from engine.registry import ServiceRegistry
from engine.runner import EngineContext
from engine.worker import Worker
from processes.casework import record_case_event

FIXTURES = Path(__file__).parent / "fixtures"


def context(registry: ServiceRegistry | None = None, **options) -> EngineContext:
    """An engine context writing into the real audit log."""
    return EngineContext(events=record_case_event, registry=registry or ServiceRegistry(), **options)


def deploy_fixture(session_factory, ctx: EngineContext, authority_id: str | None, name: str, *,
                   key: str | None = None, replace: dict[str, str] | None = None) -> str:
    """Deploy ``fixtures/<name>`` for the authority under ``key`` (default: a unique one); return the key.

    ``replace`` maps text of the fixture to what it is replaced with, e.g. another timer expression.
    """
    stem = Path(name).stem
    key = key or f"{stem}_{uuid.uuid4().hex[:8]}"
    content = (FIXTURES / name).read_text(encoding="utf-8").replace(f'id="{stem}"', f'id="{key}"')
    for old, new in (replace or {}).items():
        assert old in content, f"{old!r} is not in {name}"
        content = content.replace(old, new)
    with transaction(session_factory) as session:
        definitions.deploy(session, {name: content.encode()}, authority_id=authority_id, deployed_by="test",
                           known_operations=ctx.registry.names(), now=ctx.clock())
    return key


def start(session_factory, ctx: EngineContext, authority_id: str, key: str, data: dict | None = None,
          business_key: str | None = None) -> str:
    """Start a case of ``key``; return its id."""
    with transaction(session_factory) as session:
        definition = definitions.latest_definition(session, key, authority_id)
        case = runner.start_case(session, ctx, definition, authority_id=authority_id, actor="test", data=data,
                                 business_key=business_key)
        return case.id


def worker(session_factory, ctx: EngineContext, authority_id: str, **options) -> Worker:
    """A worker with fast retries for tests, working only on the test's authority.

    Tests share one database; a worker limited to the test's own authority
    never picks up jobs other tests left behind.
    """
    options.setdefault("backoff", jobs.Backoff(base_seconds=0.0, cap_seconds=0.0))
    options.setdefault("lease", timedelta(seconds=30))
    return Worker(session_factory, ctx, authority_id=authority_id, **options)


def drain(w: Worker, limit: int = 1000) -> int:
    """Run due jobs until none is due; return how many ran."""
    count = 0
    while count < limit and w.run_once():
        count += 1
    return count


def case_row(session_factory, case_id: str) -> Case:
    with transaction(session_factory) as session:
        return session.get(Case, case_id)


def open_task_ids(session_factory, case_id: str) -> list[str]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(UserTask.bpmn_id).where(UserTask.case_id == case_id, UserTask.status == "open")))


def open_task_row_ids(session_factory, case_id: str) -> list[str]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(UserTask.id).where(UserTask.case_id == case_id, UserTask.status == "open")))


def case_jobs(session_factory, case_id: str) -> list[Job]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(Job).where(Job.case_id == case_id).order_by(Job.created_at)))


def history_kinds(session_factory, case_id: str) -> list[str]:
    from eakte.audit import history

    with transaction(session_factory) as session:
        events, _ = history(session, case_id, limit=1000)
        return [e.kind for e in events]


def history(session_factory, case_id: str):
    from eakte.audit import history as _history

    with transaction(session_factory) as session:
        return _history(session, case_id, limit=1000)[0]


def audit_intact(session_factory, case_id: str) -> bool:
    from eakte.audit import case_stream

    with transaction(session_factory) as session:
        return not list(iter_breaks(session, case_stream(case_id)))
