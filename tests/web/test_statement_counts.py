"""SQL statements per request of a clerk's lifecycle: start, inbox page, claim, complete.

Every statement is a round trip to the database, and on the hot path they
cost more than the engine itself. The budgets below are what the requests
take today (per backend: SQLite and PostgreSQL differ in locking and in how
the audit log is written); a change that adds statements fails here and has
to explain itself by raising a budget. Checked-out connections are counted
too: the pool must not ping the database before handing one out.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.conftest import BACKEND
from tests.web.helpers import deploy
from tests.web.ui_helpers import login, ui_user

pytestmark = pytest.mark.core

BENCH_MODEL = Path(__file__).parents[2] / "web" / "bench" / "models" / "bench_lifecycle.bpmn"
BUDGETS = {
    # Before issue #17 (main with pre-ping, synchronous renditions) PostgreSQL took: start 19, api inbox 2,
    # ui inbox 7, claim 5, complete 12 statements, each request one ping more.
    "real": {"start": 14, "api inbox": 1, "ui inbox": 5, "claim": 3, "complete": 9},
    "embedded": {"start": 18, "api inbox": 3, "ui inbox": 6, "claim": 8, "complete": 14},
}
STATEMENT_WIDTH = 160
"""Characters of each statement shown in the report."""


class Recorder:
    """The statements and pings an engine sends while recording."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []
        self.pings = 0
        self._on = False
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, _connection, _cursor, statement, _parameters, _context, _executemany):
        if self._on:
            self.statements.append(" ".join(statement.split())[:STATEMENT_WIDTH])

    @contextmanager
    def recording(self):
        self.statements.clear()
        pings_before = _pings(self.engine)
        self._on = True
        try:
            yield self
        finally:
            self._on = False
            self.pings = _pings(self.engine) - pings_before

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._statement)


def _pings(engine) -> int:
    return getattr(engine.dialect, "_aktenfluss_pings", 0)


@pytest.fixture()
def recorder(app):
    engine = app.extensions["db_engine"]
    original = engine.dialect.do_ping

    def counting_ping(dbapi_connection):
        engine.dialect._aktenfluss_pings = _pings(engine) + 1
        return original(dbapi_connection)

    engine.dialect.do_ping = counting_ping
    recorder = Recorder(engine)
    yield recorder
    recorder.close()
    engine.dialect.do_ping = original


def test_statements_per_request_of_a_lifecycle(app, client, authority, session_factory, recorder):
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))
    key = "bench_lifecycle"
    assert deploy(client, modeller, {"bench_lifecycle.bpmn": BENCH_MODEL.read_bytes()}).status_code == 201
    for _ in range(2):  # warm: definitions cached, connections open
        _lifecycle(client, clerk, key)
    budget = BUDGETS[BACKEND]
    counts = {}

    with recorder.recording():
        started = client.post("/api/v1/cases", json={"process_key": key, "data": {"applicant": "Erika"}},
                              headers=clerk.headers)
    assert started.status_code == 201, started.json
    counts["start"] = (list(recorder.statements), recorder.pings)
    task_id = started.json["open_tasks"][0]["id"]

    with recorder.recording():
        assert client.get("/api/v1/tasks", headers=clerk.headers).status_code == 200
    counts["api inbox"] = (list(recorder.statements), recorder.pings)

    with recorder.recording():
        assert client.post(f"/api/v1/tasks/{task_id}/claim", json={}, headers=clerk.headers).status_code == 200
    counts["claim"] = (list(recorder.statements), recorder.pings)

    with recorder.recording():
        done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": True}},
                           headers=clerk.headers)
    assert done.status_code == 200 and done.json["status"] == "completed", done.json
    counts["complete"] = (list(recorder.statements), recorder.pings)

    ui_user(session_factory, authority, "berta")
    assert login(client, authority, "berta").status_code == 302
    client.get("/ui/aufgaben")
    with recorder.recording():
        assert client.get("/ui/aufgaben").status_code == 200
    counts["ui inbox"] = (list(recorder.statements), recorder.pings)

    report = "\n".join(f"{kind}: {len(statements)} statements, {pings} pings\n    " + "\n    ".join(statements)
                       for kind, (statements, pings) in counts.items())
    print(report)
    for kind, (statements, pings) in counts.items():
        assert pings == 0, f"{kind}: the pool pinged the database\n{report}"
        assert len(statements) <= budget[kind], f"{kind}: {len(statements)} > {budget[kind]} statements\n{report}"


def _lifecycle(client, clerk, key):
    started = client.post("/api/v1/cases", json={"process_key": key, "data": {"applicant": "Erika"}},
                          headers=clerk.headers)
    task_id = started.json["open_tasks"][0]["id"]
    client.post(f"/api/v1/tasks/{task_id}/claim", json={}, headers=clerk.headers)
    client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": True}}, headers=clerk.headers)
