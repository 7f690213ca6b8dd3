"""An installation for end-to-end procedure tests: app, worker, simulators, seal.

The app is configured like production: connectors to the specialist-system
simulators on 127.0.0.1 through AKTENFLUSS_CONNECTORS_FILE, a seal
certificate, the real BPMN models from bpmn/. Tests drive it through the
REST API and run the worker in-process until no job is due.
"""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import yaml

from eakte.siegel import make_test_seal_certificate
from engine import jobs
from engine.db import utcnow
from engine.worker import Worker
from processes.simulators.runner import API_KEY_ENV, SimulatorSet, start_simulators

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


@dataclass
class Installation:
    """What a procedure test works with."""

    app: object
    simulators: SimulatorSet
    ca_cert: Path
    authority_id: str | None = None  # the current test's authority: its worker works only on that

    @property
    def client(self):
        return self.app.test_client()

    def worker(self, ahead: timedelta | None = None) -> Worker:
        """A worker; with ``ahead``, its clock runs that far in the future."""
        ctx = self.app.extensions["engine_context"]
        if ahead is not None:
            ctx = replace(ctx, clock=lambda: utcnow() + ahead)
        return Worker(self.app.extensions["db_sessions"], ctx, authority_id=self.authority_id,
                      backoff=jobs.Backoff(base_seconds=0.0, cap_seconds=0.0), lease=timedelta(seconds=60))

    def drain(self, limit: int = 500, ahead: timedelta | None = None) -> int:
        """Run due jobs until none is due; return how many ran.

        Timers are fired by moving the wall clock (time_machine: Spiff reads it).
        S3 servers refuse requests signed far in the future, so steps that store
        documents after a timer run with ``ahead``: a worker whose engine clock
        is in the future while the wall clock is real.
        """
        worker, count = self.worker(ahead), 0
        while count < limit and worker.run_once():
            count += 1
        return count


def start_installation(tmp: Path, backend, monkeypatch) -> tuple[Installation, SimulatorSet]:
    """Start simulators, write the connectors file and the seal, create the app."""
    from web import create_app

    simulators = start_simulators()
    connectors = tmp / "connectors.yaml"
    connectors.write_text(yaml.safe_dump(simulators.connector_config()), encoding="utf-8")
    monkeypatch.setenv("AKTENFLUSS_CONNECTORS_FILE", str(connectors))
    monkeypatch.setenv(API_KEY_ENV, simulators.api_key)
    key, cert, ca = make_test_seal_certificate(tmp / "seal", "Landeshauptstadt Schwerin")
    app = create_app({
        "DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "test",
        "SEAL_KEY_FILE": str(key), "SEAL_CERT_FILE": str(cert), "PUBLIC_BASE_URL": "https://aktenfluss.example",
    })
    return Installation(app, simulators, Path(ca)), simulators


def model_files(procedure: str) -> dict[str, bytes]:
    """The files of a bundled procedure package (models, forms, templates, manifest)."""
    return {path.name: path.read_bytes() for path in sorted((BPMN / procedure).iterdir()) if path.is_file()}


def deploy(client, actor, files: dict[str, bytes]):
    """Deploy model files for the actor's authority."""
    data = {"file": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/v1/process-definitions", data=data, headers=actor.headers,
                       content_type="multipart/form-data")


def simulator_get(installation, simulator: str, path: str, **query) -> dict:
    """Read what a simulator received (its test-facing listing)."""
    request = urllib.request.Request(
        f"{installation.simulators.url(simulator)}{path}?{urllib.parse.urlencode(query)}",
        headers={"X-API-Key": installation.simulators.api_key},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def simulator_control(installation, simulator: str, body: dict) -> None:
    """Switch a simulator's failure mode."""
    request = urllib.request.Request(f"{installation.simulators.url(simulator)}/_control", method="POST",
                                     data=json.dumps(body).encode(), headers={
                                         "X-API-Key": installation.simulators.api_key,
                                         "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
