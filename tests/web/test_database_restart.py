"""A PostgreSQL restart closes every pooled connection; the next requests work, without a ping per request.

A restarting server terminates its backends: each sends an error and closes
its socket. ``pg_terminate_backend`` does exactly that to the connections of
one app (told apart by their ``application_name``). The pool must hand out
no such connection; it notices them without asking the server (engine/db.py).
"""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "real", reason="needs PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)")


def _terminate(database_url: str, application_name: str) -> int:
    """Terminate the server processes of the app's connections and wait until they are gone; return how many."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            count = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"
            ), {"name": application_name}).scalar_one()
            for _ in range(100):
                if not connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                                          {"name": application_name}).scalar_one():
                    break
                time.sleep(0.05)
        return count
    finally:
        admin.dispose()


def test_requests_after_a_restart_of_the_database_succeed(backend, authority):
    from web import create_app

    name = f"restart-{uuid.uuid4().hex[:8]}"
    separator = "&" if "?" in backend.database_url else "?"
    app = create_app({"DATABASE_URL": f"{backend.database_url}{separator}application_name={name}",
                      "STORAGE_URL": backend.storage_url, "SECRET_KEY": "test", "TESTING": True})
    client = app.test_client()
    clerk = authority.user("anna", groups=("Sachbearbeitung",))
    try:
        for _ in range(3):
            assert client.get("/api/v1/tasks", headers=clerk.headers).status_code == 200
        assert _terminate(backend.database_url, name) >= 1  # the pooled connection(s)

        for _ in range(3):
            response = client.get("/api/v1/tasks", headers=clerk.headers)
            assert response.status_code == 200, response.get_json()
    finally:
        app.extensions["db_engine"].dispose()


def test_the_pool_does_not_ping_before_handing_out_a_connection(backend):
    from engine.db import make_engine

    engine = make_engine(backend.database_url)
    try:
        assert engine.pool._pre_ping is False
    finally:
        engine.dispose()
