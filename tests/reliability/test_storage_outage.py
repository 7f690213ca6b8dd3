"""Document storage down during a step that files a document: the step fails cleanly and runs again later.

The step is a service task whose answer the E-Akte files as an ``Auskunft``
(processes/filing.py) inside the job's transaction. While the store is down
(an S3 endpoint on a closed port of 127.0.0.1), writing the object fails, the
whole transaction rolls back and the job is queued for a retry; nothing of the
step is visible. Once the store is back (the test backend's store: SeaweedFS
S3 with AKTENFLUSS_TEST_BACKEND=real), the retry files the answer and the case
goes on. No document row may point at a missing object at any time.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from eakte import akten
from eakte.models import Akte, Dokument
from eakte.storage import open_store
from eakte.verify import verify_objects
from engine.connectors.config import ConnectorConfig
from engine.db import transaction
from engine.models_jobs import JobEvent
from processes.casework import build_context
from tests.engine import background as bg
from tests.support.services import free_port


def _unreachable_s3(storage_url: str) -> str:
    """The backend's S3 URL (or a made-up one) with its port replaced by a closed one."""
    port = free_port()
    if storage_url.startswith("s3://"):
        parts = urlsplit(storage_url)
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{port}"
        return urlunsplit(parts._replace(netloc=netloc))
    return f"s3://aktenfluss:unused@127.0.0.1:{port}/aktenfluss?secure=false"


def _documents(session_factory, case_id: str) -> list[str]:
    with transaction(session_factory) as session:
        vorgang = akten.vorgang_of_case(session, case_id)
        return sorted(session.scalars(select(Dokument.doc_type).where(Dokument.vorgang_id == vorgang.id)))


def _object_problems(session_factory, store, case_id: str) -> list:
    """Objects of the case's file that are missing or do not match their recorded hash."""
    with transaction(session_factory) as session:
        akte = session.get(Akte, akten.vorgang_of_case(session, case_id).akte_id)
        return list(verify_objects(session, store, akte))


def test_store_down_during_filing_step_fails_cleanly_and_retry_succeeds(session_factory, authority, backend):
    up, down = open_store(backend.storage_url), open_store(_unreachable_s3(backend.storage_url))
    current = {"store": up}
    ctx = build_context(store=lambda: current["store"], connectors=ConnectorConfig())
    ctx.registry.register("test.lookup", lambda person_id, times: {"person": person_id, "registered": True})
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "bg_service.bpmn")
    case_id = bg.start(session_factory, ctx, authority.id, key, {"person_id": "p-1", "times": 1})
    assert _documents(session_factory, case_id) == ["Antrag"]
    before = bg.history_kinds(session_factory, case_id)

    current["store"] = down
    worker = bg.worker(session_factory, ctx, authority.id)
    assert worker.run_once()
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.status, job.attempts) == ("todo", 1)
    assert "StorageUnavailable" in job.last_error
    assert _documents(session_factory, case_id) == ["Antrag"]  # no Auskunft row
    assert bg.history_kinds(session_factory, case_id) == before  # no service.called, no step.completed
    assert bg.open_task_ids(session_factory, case_id) == []  # still waiting at the service task
    assert "register" not in bg.case_row(session_factory, case_id).data
    assert _object_problems(session_factory, up, case_id) == []

    current["store"] = up
    assert bg.drain(worker) == 1
    [job] = bg.case_jobs(session_factory, case_id)
    assert (job.status, job.attempts) == ("done", 2)
    with transaction(session_factory) as session:
        events = list(session.scalars(select(JobEvent.kind).where(JobEvent.job_id == job.id).order_by(JobEvent.id)))
    assert events == ["queued", "claimed", "retry", "claimed", "done"]
    assert _documents(session_factory, case_id) == ["Antrag", "Auskunft"]
    assert bg.history_kinds(session_factory, case_id).count("service.called") == 1
    assert bg.open_task_ids(session_factory, case_id) == ["review"]
    assert bg.case_row(session_factory, case_id).data["register"] == {"person": "p-1", "registered": True}
    assert _object_problems(session_factory, up, case_id) == []
    assert bg.audit_intact(session_factory, case_id)
