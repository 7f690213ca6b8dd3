"""`aktenfluss bench inbox`: the inbox query and page with many open tasks (PostgreSQL).

Fills the database with ``open_tasks`` open tasks in one bulk
``INSERT ... SELECT generate_series``, spread like a state-wide installation:
20 authorities with 10 candidate groups and 20 clerks each; 5 % of the tasks
are assigned to a clerk, 10 % are overdue, 5 % have no due date, the rest are
due within 90 days; priorities are coarse (10 to 90), three procedures.
The measured clerk belongs to two groups of the first authority. After
VACUUM ANALYZE until the table is all-visible (what autovacuum does after a
bulk load) it times the inbox
query (first page of 25, count included) for several filters and sorts, and
the rendered inbox page.

Every run adds its own authorities, so repeated runs grow the table.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from engine import inbox
from engine.db import make_engine, make_session_factory, transaction
from engine.identity import create_authority, create_user
from engine.inbox import TaskFilter
from engine.models import Case, ProcessDefinition, User

AUTHORITIES = 20
GROUPS_PER_AUTHORITY = 10
CLERKS_PER_AUTHORITY = 20
PROCEDURES = ("baugenehmigung", "personenstand", "gewerbe")

_FILL = """
    INSERT INTO engine_user_tasks (id, authority_id, case_id, spiff_task_id, process_key, bpmn_id, name,
        candidate_group, assignee_id, status, priority, due_at, business_key, subject, created_at)
    SELECT gen_random_uuid()::text, (CAST(:authorities AS text[]))[a + 1], (CAST(:cases AS text[]))[a + 1], gen_random_uuid()::text,
        (CAST(:procedures AS text[]))[1 + (i / :authority_count) % 3], 'pruefen', 'Antrag prüfen',
        'g' || floor(r_group * :groups)::int,
        CASE WHEN r_assigned < 0.05 THEN (CAST(:clerks AS text[]))[a * :clerk_count + 1 + floor(r_clerk * :clerk_count)::int] END,
        'open', 10 + 20 * floor(r_priority * 5)::int,
        CASE WHEN r_due < 0.05 THEN NULL
             WHEN r_due < 0.15 THEN now() - (1 + r_days * 30) * interval '1 day'
             ELSE now() + (1 + r_days * 90) * interval '1 day' END,
        '63.01-2026-' || lpad(i::text, 7, '0'), 'Vorhaben Nummer ' || i || ', Flurstück ' || (i % 997) || '/' || (i % 13),
        now() - r_created * interval '120 days'
    FROM (
        SELECT i, i % :authority_count AS a, random() AS r_group, random() AS r_assigned, random() AS r_clerk,
               random() AS r_priority, random() AS r_due, random() AS r_days, random() AS r_created
        FROM generate_series(1, :n) AS i
    ) AS generated
"""


@dataclass(frozen=True)
class Timing:
    """Latency of one query variant in milliseconds."""

    name: str
    p50: float
    p95: float
    total: int
    total_capped: bool = False


def run(database_url: str, open_tasks: int = 1_000_000, repeats: int = 100) -> tuple[list[Timing], Timing | None]:
    """Fill the database and time the inbox; return the query timings and the page timing."""
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        raise SystemExit("bench inbox needs PostgreSQL (set AKTENFLUSS_DATABASE_URL)")
    sessions = make_session_factory(engine)
    user_id, supervisor_id = _fill(engine, sessions, open_tasks)
    timings = time_queries(sessions, user_id, supervisor_id, repeats)
    engine.dispose()
    return timings, _page_timing(database_url, user_id, repeats)


def time_queries(sessions, user_id: str, supervisor_id: str, repeats: int) -> list[Timing]:
    """Time the inbox query variants for the clerk (and the supervisor's authority view)."""
    now = datetime.now(timezone.utc)
    variants = {
        "my tasks + my groups, by due date": (user_id, TaskFilter(), "due_at", 1),
        "by priority (highest first)": (user_id, TaskFilter(), "-priority", 1),
        "overdue only": (user_id, TaskFilter(overdue=True), "due_at", 1),
        "one procedure": (user_id, TaskFilter(process_key=PROCEDURES[1]), "due_at", 1),
        "text search on Aktenzeichen": (user_id, TaskFilter(text="2026-0004"), "due_at", 1),
        "assigned to me": (user_id, TaskFilter(scope="mine"), "due_at", 1),
        "page 20, by due date": (user_id, TaskFilter(), "due_at", 20),
        "whole authority (supervisor), by due": (supervisor_id, TaskFilter(scope="authority"), "due_at", 1),
    }
    timings = []
    with transaction(sessions) as session:
        for name, (who, flt, sort, page) in variants.items():
            user = session.get(User, who)
            samples, result = [], None
            for _ in range(repeats):
                t0 = time.perf_counter()
                result = inbox.list_tasks(session, user, flt, now, sort=sort, page=page, per_page=25)
                samples.append((time.perf_counter() - t0) * 1000)
            timings.append(_timing(name, samples, result.total, result.total_capped))
    return timings


def _fill(engine, sessions, open_tasks: int) -> tuple[str, str]:
    """Insert the authorities, clerks and open tasks; return the measured clerk's and supervisor's ids."""
    run_id = uuid.uuid4().hex[:8]
    authority_ids, case_ids, clerk_ids = [], [], []
    with transaction(sessions) as session:
        for number in range(AUTHORITIES):
            authority = create_authority(session, f"bench-inbox-{run_id}-{number}", f"Benchmark Posteingang {number}")
            clerks = [
                create_user(session, authority, f"clerk{k}", roles=["clerk"],
                            groups=[f"g{k % GROUPS_PER_AUTHORITY}", f"g{(k + 1) % GROUPS_PER_AUTHORITY}"])
                for k in range(CLERKS_PER_AUTHORITY)
            ]
            if number == 0:
                supervisor = create_user(session, authority, "supervisor", roles=["supervisor"])
            definition = ProcessDefinition(key=f"bench_inbox_{run_id}_{number}", version=1, content_hash="0" * 64,
                                           authority_id=authority.id)
            session.add(definition)
            session.flush()
            case = Case(authority_id=authority.id, definition_id=definition.id, definition=definition, state="{}",
                        serializer_version="bench")
            session.add(case)
            session.flush()
            authority_ids.append(authority.id)
            case_ids.append(case.id)
            clerk_ids.extend(clerk.id for clerk in clerks)
        session.execute(text(_FILL), {
            "authorities": authority_ids, "cases": case_ids, "clerks": clerk_ids, "procedures": list(PROCEDURES),
            "authority_count": AUTHORITIES, "groups": GROUPS_PER_AUTHORITY, "clerk_count": CLERKS_PER_AUTHORITY,
            "n": open_tasks,
        })
        supervisor_id = supervisor.id
    _vacuum(engine)
    return clerk_ids[0], supervisor_id


def _vacuum(engine, attempts: int = 3) -> None:
    """VACUUM ANALYZE until the table is (almost) all-visible, as autovacuum leaves it after a bulk load.

    A single VACUUM right after the load can leave pages not all-visible when another
    transaction still holds an older snapshot; the counts then read the table instead
    of the index alone, and the figures swing between runs.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for _ in range(attempts):
            connection.execute(text("VACUUM ANALYZE engine_user_tasks"))
            pages, visible = connection.execute(text(
                "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'engine_user_tasks'"
            )).one()
            if pages == 0 or visible / pages >= 0.99:
                return


def _page_timing(database_url: str, user_id: str, repeats: int) -> Timing | None:
    from engine.login_sessions import start_login_session
    from web import create_app
    from web.ui.common import LOGIN_KEY

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        with transaction(app.extensions["db_sessions"]) as session:  # signed in as the clerk (a login session)
            secret = start_login_session(session, session.get(User, user_id), datetime.now(timezone.utc),
                                         timedelta(hours=1))
    with client.session_transaction() as flask_session:
        flask_session[LOGIN_KEY] = secret
    samples = []
    for _ in range(max(10, repeats // 5)):
        t0 = time.perf_counter()
        response = client.get("/ui/aufgaben")
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    app.extensions["db_engine"].dispose()
    return _timing("rendered inbox page (/ui/aufgaben)", samples, 0)


def _timing(name: str, samples: list[float], total: int, total_capped: bool = False) -> Timing:
    samples = sorted(samples)
    return Timing(name, statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], total, total_capped)
