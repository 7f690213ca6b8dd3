"""`aktenfluss bench inbox`: the inbox query and page with many open tasks (PostgreSQL).

Fills a throw-away authority with ``open_tasks`` open tasks in one bulk
``INSERT ... SELECT generate_series`` (200 candidate groups, the clerk in two
of them, 0.5 % assigned to the clerk, due dates spread over ±60 days), runs
ANALYZE, then times the inbox query (first page of 25, count included) for
several filters and sorts, and the rendered inbox page.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text

from engine import inbox
from engine.db import make_engine, make_session_factory, transaction
from engine.identity import create_authority, create_user
from engine.inbox import TaskFilter
from engine.models import Case, ProcessDefinition, User

GROUPS = 200


@dataclass(frozen=True)
class Timing:
    """Latency of one query variant in milliseconds."""

    name: str
    p50: float
    p95: float
    total: int


def run(database_url: str, open_tasks: int = 1_000_000, repeats: int = 100) -> tuple[list[Timing], Timing | None]:
    """Fill the database and time the inbox; return the query timings and the page timing."""
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        raise SystemExit("bench inbox needs PostgreSQL (set AKTENFLUSS_DATABASE_URL)")
    sessions = make_session_factory(engine)
    user_id, authority_slug = _fill(sessions, open_tasks)
    now = datetime.now(timezone.utc)
    variants = {
        "my tasks + my groups, by due date": (TaskFilter(), "due_at"),
        "by priority (highest first)": (TaskFilter(), "-priority"),
        "overdue only": (TaskFilter(overdue=True), "due_at"),
        "text search on Aktenzeichen": (TaskFilter(text="2026-0004"), "due_at"),
        "assigned to me": (TaskFilter(scope="mine"), "due_at"),
    }
    timings = []
    with transaction(sessions) as session:
        user = session.get(User, user_id)
        for name, (flt, sort) in variants.items():
            samples, total = [], 0
            for _ in range(repeats):
                t0 = time.perf_counter()
                _, total = inbox.list_tasks(session, user, flt, now, sort=sort, page=1, per_page=25)
                samples.append((time.perf_counter() - t0) * 1000)
            timings.append(_timing(name, samples, total))
    return timings, _page_timing(database_url, user_id, authority_slug, repeats)


def _fill(sessions, open_tasks: int) -> tuple[str, str]:
    with transaction(sessions) as session:
        authority = create_authority(session, f"bench-inbox-{uuid.uuid4().hex[:8]}", "Benchmark Posteingang")
        user = create_user(session, authority, "clerk", roles=["clerk"], groups=["g7", "g42"])
        definition = ProcessDefinition(key=f"bench_inbox_{uuid.uuid4().hex[:8]}", version=1, content_hash="0" * 64,
                                       authority_id=authority.id)
        session.add(definition)
        session.flush()
        case = Case(authority_id=authority.id, definition_id=definition.id, definition=definition, state="{}",
                    serializer_version="bench")
        session.add(case)
        session.flush()
        session.execute(text("""
            INSERT INTO engine_user_tasks (id, authority_id, case_id, spiff_task_id, process_key, bpmn_id, name,
                candidate_group, assignee_id, status, priority, due_at, business_key, subject, created_at)
            SELECT gen_random_uuid()::text, :authority, :case, gen_random_uuid()::text, :key, 'pruefen',
                'Antrag prüfen', 'g' || (i % :groups), CASE WHEN i % 200 = 0 THEN :user END, 'open', (i * 7) % 100,
                now() + ((i % 120) - 60) * interval '1 day', '63.01-2026-' || lpad(i::text, 7, '0'),
                'Vorhaben Nummer ' || i, now() - (i % 1000) * interval '1 minute'
            FROM generate_series(1, :n) AS i
        """), {"authority": authority.id, "case": case.id, "key": definition.key, "groups": GROUPS, "user": user.id,
               "n": open_tasks})
        user_id, slug = user.id, authority.slug
    with transaction(sessions) as session:
        session.execute(text("ANALYZE engine_user_tasks"))
    return user_id, slug


def _page_timing(database_url: str, user_id: str, authority_id_slug: str, repeats: int) -> Timing | None:
    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        with transaction(app.extensions["db_sessions"]) as session:
            authority_id = session.get(User, user_id).authority_id
    with client.session_transaction() as flask_session:
        flask_session["user_id"], flask_session["authority_id"] = user_id, authority_id
    samples = []
    for _ in range(max(10, repeats // 5)):
        t0 = time.perf_counter()
        response = client.get("/ui/aufgaben")
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    app.extensions["db_engine"].dispose()
    return _timing("rendered inbox page (/ui/aufgaben)", samples, 0)


def _timing(name: str, samples: list[float], total: int) -> Timing:
    samples = sorted(samples)
    return Timing(name, statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], total)
