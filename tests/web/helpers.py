"""Helpers for API tests: models on disk, deploying and starting cases, a snapshot of the database."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from engine.db import Base, transaction

MODELS = Path(__file__).parent / "models"


def model_bytes(name: str, process_key: str | None = None) -> bytes:
    """Return a test model, optionally with its process id renamed to ``process_key``."""
    content = (MODELS / name).read_bytes()
    if process_key is not None:
        original = Path(name).stem
        content = content.replace(f'id="{original}"'.encode(), f'id="{process_key}"'.encode())
        content = content.replace(f'processRef="{original}"'.encode(), f'processRef="{process_key}"'.encode())
    return content


def deploy(client, actor, files: dict[str, bytes], **query):
    """Upload model files as multipart; return the response."""
    data = {"file": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/v1/process-definitions", data=data, headers=actor.headers,
                       query_string=query, content_type="multipart/form-data")


def start(client, actor, process_key: str, data: dict | None = None, **extra):
    """Start a case; return the response."""
    return client.post("/api/v1/cases", json={"process_key": process_key, "data": data or {}, **extra}, headers=actor.headers)


def snapshot(session_factory) -> tuple:
    """Return the row count of every table and the state of every task, case and file (to compare)."""
    from eakte.models import Akte
    from engine.models import Case, UserTask

    counts = [select(func.count()).select_from(table).scalar_subquery() for table in Base.metadata.sorted_tables]
    with transaction(session_factory) as session:
        state = session.execute(select(*counts)).one()
        tasks = session.execute(select(UserTask.id, UserTask.status, UserTask.assignee_id, UserTask.follow_up_at)
                                .order_by(UserTask.id)).all()
        cases = session.execute(select(Case.id, Case.status).order_by(Case.id)).all()
        files = session.execute(select(Akte.id, Akte.status).order_by(Akte.id)).all()
    return tuple(state), tuple(tasks), tuple(cases), tuple(files)
