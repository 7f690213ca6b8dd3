"""Renditions in the background: a ``background`` job of the worker per filed record.

A task completion files the task record with a recipe for its PDF/A
rendition (eakte/renditions.py) and queues a job of the background operation
``eakte.rendition`` in the same transaction (``request_rendition``), so the
job exists exactly when the record does. The worker renders outside any
transaction and records the rendition in the transaction that finishes the
job (``RenditionJobs``); if the rendition was made meanwhile (someone
downloaded it), the job finishes without effect.

The job belongs to no case (background jobs never do): it holds no lock on
the case, so the case's own jobs are not held up by a rendering, and it runs
also after the case ended or was cancelled (it completes what was filed). It
carries the authority, so a worker dedicated to one authority makes that
authority's renditions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from eakte.models import DokumentVersion
from eakte.renditions import pending_rendition, record_rendition, render
from eakte.storage import DocumentStore
from engine import jobs
from engine.db import transaction
from engine.models import Case
from engine.registry import BackgroundCall, ServiceRegistry

RENDITION_OPERATION = "eakte.rendition"


def register(registry: ServiceRegistry, store: Callable[[], DocumentStore]) -> None:
    """Register the background operation that makes renditions with documents of ``store``."""
    registry.register_background(RENDITION_OPERATION, RenditionJobs(store))


def request_rendition(session: Session, case: Case, version: DokumentVersion, *, now: datetime) -> None:
    """Queue the job that makes the pending rendition of ``version`` (in the caller's transaction)."""
    jobs.enqueue(session, "background", now=now, authority_id=case.authority_id,
                 payload={"operation": RENDITION_OPERATION, "params": {"version_id": version.id}})


class RenditionJobs:
    """The background operation ``eakte.rendition``."""

    def __init__(self, store: Callable[[], DocumentStore]):
        self._store = store

    def __call__(self, call: BackgroundCall) -> Callable[[Session], None]:
        """Render outside any transaction; return the effect that records the rendition in the job's transaction."""
        version_id = call.params["version_id"]
        with transaction(call.factory) as session:
            pending = pending_rendition(session, version_id)
        if pending is None:  # made on demand meanwhile, or the version was destroyed
            return lambda session: None
        data = render(self._store(), pending)

        def apply(session: Session) -> None:
            record_rendition(session, self._store(), version_id, data, actor=None)

        return apply
