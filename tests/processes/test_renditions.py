"""The PDF/A protocol of a completed task is made in the background, exactly once.

A completion files the task record (JSON) and queues a ``rendition`` job in
its own transaction; the worker (or whoever needs the PDF first) makes the
rendition. Crashes at any point give exactly one rendition.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pikepdf
import pytest
from sqlalchemy import select

from eakte import akten, dokumente
from eakte.models import Dokument, DokumentVersion
from eakte.storage import open_store
from eakte.xdomea import export_0503
from engine import jobs, runner
from engine.connectors.config import ConnectorConfig
from engine.db import transaction
from engine.models import User
from engine.models_jobs import Job
from processes.casework import build_context
from processes.renditions import RENDITION_OPERATION
from engine.registry import BackgroundCall
from tests.engine import background as bg

pytestmark = pytest.mark.core

ARCHIVE = {"name": "Landesarchiv Mecklenburg-Vorpommern"}
SENDER = {"name": "Stadt Grünhagen", "behoerdenschluessel": "13075049"}


@pytest.fixture()
def store(backend):
    return open_store(backend.storage_url)


@pytest.fixture()
def ctx(store):
    return build_context(store=lambda: store, connectors=ConnectorConfig())


def _complete(session_factory, ctx, authority, data=None) -> tuple[str, str]:
    """Start a case and complete its task; return the case id and the id of the protocol's version."""
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "simple_lifecycle.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"applicant_count": 1})
    clerk = authority.user("anna", groups=["Sachbearbeitung"])
    [task_id] = bg.open_task_row_ids(session_factory, case_id)
    with transaction(session_factory) as session:
        runner.complete_task(session, ctx, task_id, session.get(User, clerk.id), data or {"approved": True})
    return case_id, _protocol_version(session_factory, case_id).id


def _protocol_version(session_factory, case_id: str) -> DokumentVersion | None:
    with transaction(session_factory) as session:
        vorgang = akten.vorgang_of_case(session, case_id)
        return session.scalar(select(DokumentVersion).join(Dokument).where(
            Dokument.vorgang_id == vorgang.id, Dokument.doc_type == "Protokoll"))


def _rendition_jobs(session_factory, version_id: str) -> list[Job]:
    with transaction(session_factory) as session:
        return [job for job in session.scalars(select(Job).where(Job.kind == "background").order_by(Job.created_at))
                if job.payload.get("params", {}).get("version_id") == version_id]


def _rendered_events(session_factory, case_id: str) -> list:
    return [event for event in bg.history(session_factory, case_id) if event.kind == "document.rendered"]


def _pdf(store, version: DokumentVersion) -> bytes:
    return b"".join(store.open(version.rendition_key))


def test_completion_commits_the_record_with_its_rendition_job(session_factory, authority, ctx, store):
    case_id, version_id = _complete(session_factory, ctx, authority, {"approved": True, "note": "Flur 3 geprüft"})

    version = _protocol_version(session_factory, case_id)
    assert version.rendition_status == "pending" and version.rendition_key is None
    [job] = _rendition_jobs(session_factory, version_id)
    assert job.status == "todo" and job.payload == {"operation": RENDITION_OPERATION, "params": {"version_id": version_id}}
    assert job.lock_key is None and job.authority_id == authority.id
    assert bg.case_row(session_factory, case_id).status == "completed"  # the job runs after the case ended

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    version = _protocol_version(session_factory, case_id)
    assert version.rendition_status == "ready" and version.rendition_media_type == "application/pdf"
    with pikepdf.open(io.BytesIO(_pdf(store, version))) as pdf, pdf.open_metadata() as meta:
        assert meta["pdfaid:part"] == "2" and meta["dc:title"] == "Protokoll: Antrag pruefen"
        text = b"".join(page.Contents.read_bytes() for page in pdf.pages if "/Contents" in page)
    assert text  # a page was drawn
    [rendered] = _rendered_events(session_factory, case_id)
    assert rendered.data["sha256"] == version.rendition_sha256 and rendered.actor is None
    assert [job.status for job in _rendition_jobs(session_factory, version_id)] == ["done"]
    assert bg.audit_intact(session_factory, case_id)


def test_a_completion_that_rolls_back_leaves_neither_record_nor_job(session_factory, authority, ctx):
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "simple_lifecycle.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"applicant_count": 1})
    clerk = authority.user("anna", groups=["Sachbearbeitung"])
    [task_id] = bg.open_task_row_ids(session_factory, case_id)

    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        runner.complete_task(session, ctx, task_id, session.get(User, clerk.id), {"approved": True})
        raise RuntimeError("the process dies before the commit")

    assert _protocol_version(session_factory, case_id) is None
    with transaction(session_factory) as session:
        assert session.scalar(select(Job.id).where(Job.kind == "background", Job.authority_id == authority.id)) is None
    assert bg.open_task_row_ids(session_factory, case_id) == [task_id]


def test_worker_dying_after_rendering_gives_exactly_one_rendition(session_factory, authority, ctx, store):
    case_id, version_id = _complete(session_factory, ctx, authority)
    now = ctx.clock()
    claimed = jobs.claim(session_factory, "doomed-worker", now=now, lease=timedelta(seconds=1),
                         authority_id=authority.id)
    assert claimed.payload["operation"] == RENDITION_OPERATION
    call = BackgroundCall(session_factory, ctx, authority.id, claimed.payload["params"], claimed.id)
    effect = ctx.registry.background(RENDITION_OPERATION)(call)  # rendered, stored nothing yet
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        effect(session)  # the PDF is stored and recorded ...
        raise RuntimeError("... but the process dies before the commit")
    assert _protocol_version(session_factory, case_id).rendition_status == "pending"

    assert jobs.reclaim_expired(session_factory, now=now + timedelta(minutes=1)) == 1  # lease expired
    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1

    version = _protocol_version(session_factory, case_id)
    assert version.rendition_status == "ready"
    assert len(_rendered_events(session_factory, case_id)) == 1
    [job] = _rendition_jobs(session_factory, version_id)
    assert (job.status, job.attempts) == ("done", 2)


def test_a_reader_gets_the_rendition_at_once_and_the_job_then_does_nothing(session_factory, authority, ctx, store):
    case_id, version_id = _complete(session_factory, ctx, authority)

    with transaction(session_factory) as session:
        version = session.get(DokumentVersion, version_id)
        stream = dokumente.read_content(session, store, version, actor="bernd", roles=["clerk"], works_on_case=True)
        pdf = b"".join(stream)
    assert pdf.startswith(b"%PDF-")
    assert _protocol_version(session_factory, case_id).rendition_status == "ready"

    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1
    [rendered] = _rendered_events(session_factory, case_id)
    assert rendered.actor == "bernd"
    assert _pdf(store, _protocol_version(session_factory, case_id)) == pdf
    assert [job.status for job in _rendition_jobs(session_factory, version_id)] == ["done"]


def test_export_of_the_file_makes_pending_renditions_first(session_factory, authority, ctx, store, tmp_path):
    case_id, _ = _complete(session_factory, ctx, authority)
    with transaction(session_factory) as session:
        akte = akten.vorgang_of_case(session, case_id).akte
        akten.close_akte(session, akte, now=ctx.clock(), actor="anna")
    with transaction(session_factory) as session:
        akte = akten.vorgang_of_case(session, case_id).akte
        export_0503(session, store, akte, sender=SENDER, recipient=ARCHIVE, actor="anna", out=tmp_path / "p.zip")

    assert _protocol_version(session_factory, case_id).rendition_status == "ready"
    assert bg.drain(bg.worker(session_factory, ctx, authority.id)) == 1  # the job finds it made
    assert len(_rendered_events(session_factory, case_id)) == 1
