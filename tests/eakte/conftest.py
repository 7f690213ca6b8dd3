"""Storage fixtures: a local and an S3 document store per test.

The S3 store talks to a real S3 server: ``AKTENFLUSS_TEST_S3_URL`` if set,
otherwise one SeaweedFS gateway started for the test session. Every test gets
its own bucket, so listings only show what the test stored.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from eakte import akten
from eakte.models import FilePlanUnit
from eakte.storage import FileStore, S3Store, open_store
from engine.db import transaction
from tests.support.services import running_seaweed


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of an S3 server for the session; its credentials may create buckets."""
    configured = os.environ.get("AKTENFLUSS_TEST_S3_URL")
    if configured:
        yield configured
        return
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as url:
        yield url


@pytest.fixture()
def vorgang_id(session_factory, authority) -> str:
    """A Vorgang in a new open file of the test authority's unit 63.01 (opened 2 March 2026)."""
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with transaction(session_factory) as session:
        unit = session.scalar(select(FilePlanUnit).where(FilePlanUnit.authority_id == authority.id,
                                                         FilePlanUnit.code == "63.01"))
        akte = akten.open_akte(session, authority_id=authority.id, unit=unit, title="Carport Müller", now=opened,
                               actor="anna")
        return akten.add_vorgang(session, akte, case_id=None, title="Baugenehmigung", now=opened).id


@pytest.fixture
def file_store(tmp_path: Path) -> FileStore:
    """An empty ``FileStore`` in a temporary directory."""
    return FileStore(tmp_path / "documents")


@pytest.fixture
def s3_store(s3_url: str) -> Iterator[S3Store]:
    """An ``S3Store`` on a fresh bucket, emptied and removed afterwards."""
    session_store = open_store(s3_url)
    assert isinstance(session_store, S3Store)
    store = S3Store(session_store.client, f"test-{uuid.uuid4().hex}")
    store.ensure_bucket()
    yield store
    client = store.client
    for obj in client.list_objects(store.bucket, recursive=True):
        client.remove_object(store.bucket, obj.object_name)
    client.remove_bucket(store.bucket)


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest) -> FileStore | S3Store:
    """Each document store backend in turn, for the contract tests."""
    return request.getfixturevalue(f"{request.param}_store")


@dataclass(frozen=True)
class CliInstallation:
    """A fresh embedded installation for CLI tests: the runner, a session factory on its database, its store."""

    runner: CliRunner
    sessions: sessionmaker
    store: FileStore

    def invoke(self, *args: str):
        """Run ``aktenfluss ARGS...`` and return the click result."""
        from web.cli import main

        return self.runner.invoke(main, list(args))


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliInstallation]:
    """The ``aktenfluss`` command on a migrated SQLite database and a local store (it opens its own engines)."""
    from engine.db import make_engine, make_session_factory

    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("AKTENFLUSS_DATABASE_URL", database_url)
    monkeypatch.setenv("AKTENFLUSS_STORAGE_URL", str(tmp_path / "documents"))
    installation = CliInstallation(CliRunner(), None, FileStore(tmp_path / "documents"))
    assert installation.invoke("db", "upgrade").exit_code == 0
    engine = make_engine(database_url)
    yield CliInstallation(installation.runner, make_session_factory(engine), installation.store)
    engine.dispose()
