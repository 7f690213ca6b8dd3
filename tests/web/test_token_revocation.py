"""A revoked token, a deactivated user or a changed role takes effect at once on every web process.

Web processes on PostgreSQL keep tokens they verified (web/token_cache.py).
Two app instances share nothing but the database, as two processes do: one
has verified the token (and keeps it), the change is made through the other
(or straight in the database, as a tool would), and the very next request
to the first must see it. The last test does the same with two real
``aktenfluss serve`` worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import delete, select

from engine.db import transaction, utcnow
from engine.models import ApiToken
from tests.conftest import BACKEND
from tests.support.services import free_port

pytestmark = pytest.mark.core


@pytest.fixture()
def two_apps(backend):
    """Two app instances on the test database: two web processes."""
    from web import create_app

    apps = [create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url,
                        "SECRET_KEY": "test", "TESTING": True}) for _ in range(2)]
    yield [app.test_client() for app in apps]
    for app in apps:
        app.extensions["db_engine"].dispose()


def _inbox(client, actor):
    return client.get("/api/v1/tasks", headers=actor.headers)


def _token_id(session_factory, actor) -> str:
    with transaction(session_factory) as session:
        return session.scalar(select(ApiToken.id).where(ApiToken.user_id == actor.id))


def test_token_revoked_through_one_process_fails_at_once_on_the_other(two_apps, authority, session_factory):
    first, second = two_apps
    admin = authority.user("admin", roles=("admin",))
    clerk = authority.user("anna", groups=("Sachbearbeitung",))
    assert _inbox(first, clerk).status_code == 200 and _inbox(first, clerk).status_code == 200  # verified and kept

    revoked = second.delete(f"/api/v1/users/{clerk.id}/tokens/{_token_id(session_factory, clerk)}", headers=admin.headers)
    assert revoked.status_code in (200, 204), revoked.get_json()

    answer = _inbox(first, clerk)
    assert answer.status_code == 401 and answer.get_json()["message"] == "invalid or revoked API token"


def test_token_deleted_in_the_database_fails_at_once(two_apps, authority, session_factory):
    first, _ = two_apps
    clerk = authority.user("anna", groups=("Sachbearbeitung",))
    assert _inbox(first, clerk).status_code == 200 and _inbox(first, clerk).status_code == 200

    with transaction(session_factory) as session:  # a tool, or an operator with psql
        session.execute(delete(ApiToken).where(ApiToken.user_id == clerk.id))

    assert _inbox(first, clerk).status_code == 401


def test_deactivated_user_and_lost_role_take_effect_at_once(two_apps, authority):
    first, second = two_apps
    admin = authority.user("admin", roles=("admin",))
    clerk = authority.user("anna", roles=("clerk", "supervisor"), groups=("Sachbearbeitung",))
    everything = {"scope": "authority"}
    assert first.get("/api/v1/tasks", query_string=everything, headers=clerk.headers).status_code == 200

    assert second.patch(f"/api/v1/users/{clerk.id}", json={"roles": ["clerk"]}, headers=admin.headers).status_code == 200
    assert first.get("/api/v1/tasks", query_string=everything, headers=clerk.headers).status_code == 403
    assert _inbox(first, clerk).status_code == 200

    assert second.post(f"/api/v1/users/{clerk.id}/deactivate", headers=admin.headers).status_code == 200
    assert _inbox(first, clerk).status_code == 401


@pytest.mark.skipif(BACKEND != "real", reason="real web processes on PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)")
def test_revocation_reaches_every_worker_process_of_a_server(backend, authority, session_factory, tmp_path):
    clerk = authority.user("anna", groups=("Sachbearbeitung",))
    port = free_port()
    env = {**os.environ, "AKTENFLUSS_DATABASE_URL": backend.database_url, "AKTENFLUSS_STORAGE_URL": backend.storage_url,
           "AKTENFLUSS_SECRET_KEY": "test"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(Path(sys.executable).parent / "aktenfluss"), "serve", "--port", str(port),
                               "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/v1/tasks"
    try:
        _wait_until_serving(url, server)
        for _ in range(40):  # a new connection each time: both worker processes verify and keep the token
            assert requests.get(url, headers={**clerk.headers, "Connection": "close"}, timeout=10).status_code == 200
        with transaction(session_factory) as session:
            session.get(ApiToken, _token_id(session_factory, clerk)).revoked_at = utcnow()
        answers = [requests.get(url, headers={**clerk.headers, "Connection": "close"}, timeout=10).status_code
                   for _ in range(40)]
        assert answers == [401] * 40
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "aktenfluss serve ended"
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("aktenfluss serve did not start")
