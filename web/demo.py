"""`aktenfluss demo`: a living installation on one machine within a minute.

Starts the specialist-system simulators on 127.0.0.1, writes a connectors
file and a test seal certificate into the instance directory, fills in the
demo data (processes/demo.py), then runs a worker and the web server until
Ctrl-C. Everything uses the configured database and storage (by default the
embedded SQLite file and local directory).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import yaml
from werkzeug.serving import make_server

from eakte.siegel import make_test_seal_certificate
from engine import jobs
from engine.db import make_engine, make_session_factory
from engine.worker import Worker
from processes.demo import DEMO_PASSWORD, seed
from processes.simulators.runner import API_KEY_ENV, start_simulators
from web import create_app
from web.engine_context import context_from_settings


def run_demo(settings: dict, instance_dir: Path, host: str, port: int, echo) -> None:
    """Prepare and run the demo in the foreground."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key, cert, _ca = make_test_seal_certificate(instance_dir / "seal", "Landeshauptstadt Schwerin")
    settings = {**settings, "SEAL_KEY_FILE": str(key), "SEAL_CERT_FILE": str(cert),
                "PUBLIC_BASE_URL": f"http://{host}:{port}"}
    if "AKTENFLUSS_SESSION_COOKIE_SECURE" not in os.environ:
        settings["SESSION_COOKIE_SECURE"] = False  # the demo serves plain HTTP on this machine
    with start_simulators() as simulators:
        connectors = instance_dir / "connectors.yaml"
        connectors.write_text(yaml.safe_dump(simulators.connector_config(), allow_unicode=True), encoding="utf-8")
        os.environ["AKTENFLUSS_CONNECTORS_FILE"] = str(connectors)
        os.environ[API_KEY_ENV] = simulators.api_key
        ctx, store = context_from_settings(settings)
        sessions = make_session_factory(make_engine(settings["DATABASE_URL"]))
        worker = Worker(sessions, ctx, backoff=jobs.Backoff(base_seconds=2.0, cap_seconds=30.0))
        echo("Demodaten werden angelegt …")
        logins = seed(sessions, ctx, store, drain=lambda: _drain(worker))
        _serve(settings, worker, host, port, echo, logins, simulators)


def _drain(worker: Worker, limit: int = 200) -> int:
    count = 0
    while count < limit and worker.run_once():
        count += 1
    return count


def _serve(settings, worker, host, port, echo, logins, simulators) -> None:
    stop = threading.Event()
    worker_thread = threading.Thread(target=worker.run, args=(stop,), name="demo-worker", daemon=True)
    worker_thread.start()
    app = create_app({key: value for key, value in settings.items() if key in create_app_keys()})
    server = make_server(host, port, app, threaded=True)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: threading.Thread(target=server.shutdown).start())
    echo(f"\nAktenfluss läuft: http://{host}:{port}/  (Anmeldung: http://{host}:{port}/ui/anmelden)")
    echo(f"Passwort für alle Demo-Zugänge: {DEMO_PASSWORD}")
    for login in logins:
        echo(f"  Behörde {login.authority:22} Benutzer {login.username:14} Rollen {', '.join(login.roles)}")
    echo("Fachverfahren (Simulatoren): " + ", ".join(f"{name} {url}" for name, url in simulators.urls().items()))
    echo("Beenden mit Strg+C.")
    try:
        server.serve_forever()
    finally:
        stop.set()
        worker_thread.join(timeout=10)


def create_app_keys() -> set[str]:
    """Settings the web app takes."""
    from web import config

    return set(config.defaults())
