"""Renditions in the background: the ``rendition`` job kind of the worker.

A task completion files the task record with a recipe for its PDF/A
rendition (eakte/renditions.py) and queues a ``rendition`` job in the same
transaction (``request_rendition``), so the job exists exactly when the
record does. The worker renders outside any transaction and records the
rendition in the job's transaction (``RenditionJobs``); if the rendition was
made meanwhile (someone downloaded it), the job finishes without effect.

The job holds no lock on its case (``locks_case=False``): the case's service
and timer jobs are not held up by a rendering, and it runs also after the
case ended or was cancelled (it completes what was filed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from eakte.models import DokumentVersion
from eakte.renditions import pending_rendition, record_rendition, render
from eakte.storage import DocumentStore
from engine import jobs
from engine.db import transaction
from engine.models import Case

RENDITION_JOB = "rendition"


def request_rendition(session: Session, case: Case, version: DokumentVersion, *, now: datetime) -> None:
    """Queue the job that makes the pending rendition of ``version`` (in the caller's transaction)."""
    jobs.enqueue(session, RENDITION_JOB, now=now, payload={"version_id": version.id}, case_id=case.id,
                 authority_id=case.authority_id, locks_case=False)


class RenditionJobs:
    """The worker's handler of ``rendition`` jobs (``EngineContext.job_handlers``)."""

    def __init__(self, store: Callable[[], DocumentStore]):
        self._store = store

    def __call__(self, factory: sessionmaker[Session], payload: dict, now: datetime) -> Callable[[Session], None]:
        """Render outside any transaction; return the effect that records the rendition in the job's transaction."""
        version_id = payload["version_id"]
        with transaction(factory) as session:
            pending = pending_rendition(session, version_id)
        if pending is None:  # made on demand meanwhile, or the version was destroyed
            return lambda session: None
        data = render(self._store(), pending)

        def apply(session: Session) -> None:
            record_rendition(session, self._store(), version_id, data, actor=None)

        return apply
