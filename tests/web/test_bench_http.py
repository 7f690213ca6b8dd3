"""`aktenfluss bench http` drives a running server through full lifecycles and reports what it measured."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from engine.db import transaction
from engine.models import Case
from tests.conftest import BACKEND
from web.bench.http import REQUEST_KINDS, BenchError, run, wait_for_renditions

pytestmark = pytest.mark.core


@pytest.fixture()
def server(app):
    """The app served over HTTP on a free port of 127.0.0.1, one thread per request."""
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, name="bench-http-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http_server.server_port}"
    http_server.shutdown()
    thread.join(timeout=10)


def _cases(session_factory, authority_id: str) -> dict[str, int]:
    with transaction(session_factory) as session:
        return dict(session.execute(select(Case.status, func.count()).where(Case.authority_id == authority_id)
                                    .group_by(Case.status)).all())


def test_every_measured_lifecycle_ends_its_case_and_each_request_kind_is_timed(server, authority, session_factory):
    clerk = authority.user("bench", roles=("clerk", "modeller"), groups=("Sachbearbeitung",))
    clients = 2 if BACKEND == "real" else 1  # SQLite: one writer

    result = run(server, clerk.token, clients=clients, seconds=1.5, rendition_wait=0, warmup=0.3)

    assert result.lifecycles >= 1 and result.clients == clients
    assert set(result.latencies) == {*REQUEST_KINDS, "lifecycle"}
    assert all(figures.count == result.lifecycles for figures in result.latencies.values())
    for figures in result.latencies.values():
        assert 0 < figures.p50 <= figures.p95 <= figures.p99
    assert result.latencies["lifecycle"].p50 >= result.latencies["complete"].p50
    cases = _cases(session_factory, authority.id)
    assert set(cases) == {"completed"} and cases["completed"] >= result.lifecycles  # the warm-up ran some more


def test_a_rendition_left_pending_is_reported(server, authority, session_factory):
    clerk = authority.user("bench", roles=("clerk", "modeller"), groups=("Sachbearbeitung",))
    run(server, clerk.token, clients=1, seconds=1, rendition_wait=0, warmup=0)
    with transaction(session_factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.authority_id == authority.id).limit(1))

    with pytest.raises(BenchError, match="renditions still pending"):  # no worker runs in this test
        wait_for_renditions(server, clerk.token, case_id, limit=0.3)


def test_a_token_the_server_refuses_stops_the_run_with_its_answer(server):
    with pytest.raises(BenchError, match="answered 401"):
        run(server, "not-a-token", clients=1, seconds=1, rendition_wait=0, warmup=0)
