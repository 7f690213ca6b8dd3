"""`aktenfluss bench eakte` against the real components, and the command that provides them."""

import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from eakte.models import Akte, AuditEvent, Dokument, DokumentVersion
from eakte.storage import open_store
from engine.db import transaction
from engine.identity import Authority
from tests.support.services import main as with_services
from web.bench import eakte as bench
from web.cli import main


@pytest.fixture()
def real(backend):
    if backend.name != "real":
        pytest.skip("needs PostgreSQL and an S3 server (AKTENFLUSS_TEST_BACKEND=real)")
    return backend


def _bench_authorities(session_factory) -> set[str]:
    with transaction(session_factory) as session:
        return set(session.scalars(select(Authority.id).where(Authority.slug.like("bench-%"))))


def test_bench_stores_every_measured_document_with_row_and_audit_event(real, session_factory):
    before = _bench_authorities(session_factory)

    result = bench.run(real.database_url, real.storage_url, documents=5)

    assert result.documents == 5 and result.eakte_per_second > 0 and result.raw_put_per_second > 0
    [authority_id] = _bench_authorities(session_factory) - before
    with transaction(session_factory) as session:
        versions = session.scalars(
            select(DokumentVersion).join(Dokument).join(Akte).where(Akte.authority_id == authority_id)).all()
        stored = session.scalars(select(AuditEvent).where(
            AuditEvent.authority_id == authority_id, AuditEvent.kind == "document.stored")).all()
    objects = open_store(real.storage_url)
    assert all(objects.exists(version.storage_key) for version in versions)
    assert len(stored) == bench.WARM_UP + 5  # the warm-up documents are filed too, just not timed
    assert sorted(event.data["sha256"] for event in stored) == sorted(version.sha256 for version in versions)


def test_bench_refuses_a_local_store(real, tmp_path):
    result = CliRunner().invoke(main, ["bench", "eakte", "--documents", "5"], env={
        "AKTENFLUSS_DATABASE_URL": real.database_url, "AKTENFLUSS_STORAGE_URL": str(tmp_path)})

    assert result.exit_code == 2 and "needs an s3:// storage URL" in result.output


def test_with_services_runs_a_command_against_a_migrated_database(real):
    check = (
        "import os, sqlalchemy;"
        "url = os.environ['AKTENFLUSS_DATABASE_URL'];"
        "assert url.startswith('postgresql+psycopg://') and '@127.0.0.1:' in url, url;"
        "conn = sqlalchemy.create_engine(url).connect();"
        "raise SystemExit(7 if conn.scalar(sqlalchemy.text('select version_num from alembic_version')) else 1)"
    )

    assert with_services(["--no-s3", sys.executable, "-c", check]) == 7
