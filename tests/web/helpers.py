"""Helpers for API tests: models on disk, deploying and starting cases."""

from __future__ import annotations

import io
from pathlib import Path

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
