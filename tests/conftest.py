"""Test fixtures: the backend under test, the app, and authorities with users.

AKTENFLUSS_TEST_BACKEND selects the components:
- ``embedded`` (default): SQLite file and local directory, as the product's default;
- ``real``: PostgreSQL and a real S3 server (SeaweedFS), started for the session
  unless AKTENFLUSS_TEST_DATABASE_URL / AKTENFLUSS_TEST_S3_URL point at running ones.

Tests share one database per session and isolate themselves by authority:
every test gets its own authority, so no data needs to be deleted (the audit
log refuses deletion anyway).
"""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from engine.db import make_engine, make_session_factory, transaction
from engine.migrate import upgrade

BACKEND = os.environ.get("AKTENFLUSS_TEST_BACKEND", "embedded")


@dataclass(frozen=True)
class Backend:
    """URLs of the components the tests run against."""

    name: str
    database_url: str
    storage_url: str


@pytest.fixture(scope="session")
def backend(tmp_path_factory) -> Backend:
    """Start (or connect to) the components and migrate the database once."""
    with ExitStack() as stack:
        base = tmp_path_factory.mktemp("backend")
        if BACKEND == "real":
            from tests.support.services import running_postgres, running_seaweed

            database_url = os.environ.get("AKTENFLUSS_TEST_DATABASE_URL") or stack.enter_context(running_postgres(base / "pg"))
            storage_url = os.environ.get("AKTENFLUSS_TEST_S3_URL") or stack.enter_context(running_seaweed(base / "s3"))
        elif BACKEND == "embedded":
            database_url = f"sqlite:///{base / 'aktenfluss.db'}"
            storage_url = str(base / "documents")
        else:
            raise pytest.UsageError(f"unknown AKTENFLUSS_TEST_BACKEND '{BACKEND}' (use 'embedded' or 'real')")
        upgrade(database_url)
        yield Backend(BACKEND, database_url, storage_url)


@pytest.fixture(scope="session")
def session_factory(backend):
    """A session factory on the test database."""
    engine = make_engine(backend.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def app(backend):
    """The Flask app on the test backend."""
    from web import create_app

    application = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url,
                              "SECRET_KEY": "test-secret", "TESTING": True})
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture()
def client(app):
    """A test client of the app."""
    return app.test_client()


@dataclass
class Actor:
    """A user of a test authority with an API token."""

    id: str
    username: str
    token: str
    authority_id: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class TestAuthority:
    """An authority created for one test (with a standard file plan), with a helper to add users."""

    def __init__(self, session_factory, slug: str):
        from engine.identity import create_authority

        from eakte.aktenplan import load_file_plan

        self._sessions = session_factory
        with transaction(session_factory) as session:
            self.id = create_authority(session, slug, f"Testbehörde {slug}").id
            load_file_plan(session, self.id, STANDARD_PLAN)
        self.slug = slug

    def user(self, username: str, roles=("clerk",), groups=()) -> Actor:
        """Create a user with an API token."""
        from engine.identity import create_user, get_authority, issue_token

        with transaction(self._sessions) as session:
            user = create_user(session, get_authority(session, self.slug), username, roles=list(roles), groups=list(groups))
            token = issue_token(session, user)
            return Actor(user.id, user.username, token, self.id)


@pytest.fixture()
def authority(session_factory) -> TestAuthority:
    """A fresh authority for this test."""
    return TestAuthority(session_factory, f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture()
def other_authority(session_factory) -> TestAuthority:
    """A second authority, to check that data never crosses authorities."""
    return TestAuthority(session_factory, f"o-{uuid.uuid4().hex[:12]}")


def unique_key(prefix: str = "p") -> str:
    """Return a process key no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


STANDARD_PLAN = {
    "units": [
        {"code": "00.01", "title": "Allgemeine Verwaltung", "retention_years": 10, "disposal": "V"},
        {"code": "63.01", "title": "Baugenehmigungen", "retention_years": 30, "disposal": "A"},
    ],
    "processes": {"*": "00.01"},
}
