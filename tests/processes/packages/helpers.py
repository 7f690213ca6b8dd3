"""Helpers of the package tests: the sample package on disk, changed copies of it, a worker of the app."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from engine import jobs
from engine.worker import Worker

PACKAGES = Path(__file__).parent
MANIFEST = "manifest.json"


def package_files(name: str = "gewerbe", key: str | None = None) -> dict[str, bytes]:
    """Return the files of a sample package, with its process renamed to ``key`` (default: a unique one)."""
    key = key or f"{name}_{uuid.uuid4().hex[:8]}"
    files = {}
    for path in sorted((PACKAGES / name).iterdir()):
        content = path.read_bytes()
        if path.suffix == ".bpmn":
            content = content.replace(f'id="{name}"'.encode(), f'id="{key}"'.encode())
            content = content.replace(f'processRef="{name}"'.encode(), f'processRef="{key}"'.encode())
        elif path.name == "manifest.json":
            manifest = json.loads(content)
            manifest["process"] = key
            content = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        files[path.name] = content
    return files


def process_key(files: dict[str, bytes]) -> str:
    """Return the process key of a package made by ``package_files``."""
    return json.loads(files["manifest.json"])["process"]


def with_manifest(files: dict[str, bytes], **changes) -> dict[str, bytes]:
    """Return a copy of the package with manifest fields replaced (None removes one)."""
    manifest = json.loads(files["manifest.json"])
    for field, value in changes.items():
        if value is None:
            manifest.pop(field, None)
        else:
            manifest[field] = value
    return {**files, "manifest.json": json.dumps(manifest, ensure_ascii=False).encode()}


def zipped(files: dict[str, bytes], folder: str | None = None) -> bytes:
    """Return the files as a ZIP archive (in ``folder/`` if given)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}" if folder else name, content)
    return out.getvalue()


def upload(client, actor, files: dict[str, bytes], **query):
    """Deploy files (repeated multipart fields 'file'); return the response."""
    data = {"file": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/v1/process-definitions", data=data, headers=actor.headers, query_string=query,
                       content_type="multipart/form-data")


def drain(app, authority_id: str, limit: int = 100) -> int:
    """Run the app's due jobs of one authority until none is due; return how many ran."""
    worker = Worker(app.extensions["db_sessions"], app.extensions["engine_context"], authority_id=authority_id,
                    backoff=jobs.Backoff(base_seconds=0.0, cap_seconds=0.0), lease=timedelta(seconds=60))
    count = 0
    while count < limit and worker.run_once():
        count += 1
    return count


def camunda_package(model: str, key: str) -> dict[str, bytes]:
    """A package made with Camunda Modeler: a fixture model (``antrag_c8``: C8 ``zeebe:formDefinition formId`` and an
    embedded ``zeebe:userTaskForm``; ``antrag_c7``: C7 ``camunda:formRef`` and ``camunda:formKey``) under process id
    ``key``, its two form-js files as the Modeler saves them, and a manifest."""
    from tests.engine.forms.helpers import model_files

    manifest = {"format": 1, "process": key, "name": f"Antrag ({'Camunda 8' if model.endswith('c8') else 'Camunda 7'})",
                "version": "1.0.0", "groups": [{"name": "Sachbearbeitung"}], "roles": ["clerk"]}
    return {**model_files(model, key), MANIFEST: json.dumps(manifest, ensure_ascii=False, indent=2).encode()}
