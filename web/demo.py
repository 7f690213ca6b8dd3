"""`aktenfluss demo`: a living installation on one machine within a minute.

Starts the specialist-system simulators on 127.0.0.1, and the applicant-side
ones (FIT-Connect Zustelldienst, eID broker, payment platform) on fixed ports
next to the web server's (port + 11, + 12, + 13, so applicants' pseudonyms
stay the same across restarts); writes the connectors, FIT-Connect and
payment files, the destinations' keys and a test seal certificate into the
instance directory, fills in the demo data (processes/demo.py,
processes/demo_applicants.py), then runs a worker and the web server until
Ctrl-C. Everything uses the configured database and storage (by default the
embedded SQLite file and local directory).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
from pathlib import Path

import yaml
from werkzeug.serving import make_server

from eakte.siegel import make_test_seal_certificate
from engine import jobs
from engine.db import make_engine, make_session_factory, utcnow
from engine.worker import Worker
from processes.demo import DEMO_PASSWORD, seed
from processes.demo_applicants import seed_applicants
from processes.fitconnect.config import ENV_VAR as FITCONNECT_ENV
from processes.fitconnect.polling import schedule_polling
from processes.payment.config import ENV_VAR as PAYMENT_ENV
from processes.simulators.eid import PERSONS
from processes.simulators.online import start_online_simulators
from processes.simulators.runner import API_KEY_ENV, start_simulators
from web import create_app
from web.engine_context import services_from_settings

DEMO_AUTHORITIES = {"schwerin": "5063", "ludwigslust-parchim": "5076"}  # slug -> Kassenzeichen prefix
PORTAL_CLIENT_ID = "aktenfluss-buergerportal"


def run_demo(settings: dict, instance_dir: Path, host: str, port: int, echo) -> None:
    """Prepare and run the demo in the foreground."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key, cert, _ca = make_test_seal_certificate(instance_dir / "seal", "Landeshauptstadt Schwerin")
    settings = {**settings, "SEAL_KEY_FILE": str(key), "SEAL_CERT_FILE": str(cert),
                "PUBLIC_BASE_URL": f"http://{host}:{port}"}
    if "AKTENFLUSS_SESSION_COOKIE_SECURE" not in os.environ:
        settings["SESSION_COOKIE_SECURE"] = False  # the demo serves plain HTTP on this machine
    online_ports = {"eid": port + 11, "fitconnect": port + 12, "epay": port + 13}
    with start_simulators() as simulators, start_online_simulators(
            host, online_ports, pseudonym_secret=_pseudonym_secret(instance_dir)) as online:
        connectors = instance_dir / "connectors.yaml"
        connectors.write_text(yaml.safe_dump(simulators.connector_config(), allow_unicode=True), encoding="utf-8")
        os.environ["AKTENFLUSS_CONNECTORS_FILE"] = str(connectors)
        os.environ[API_KEY_ENV] = simulators.api_key
        echo("Zustellpunkte (FIT-Connect), Schlüssel und Zahlungskonten werden eingerichtet …")
        destinations, portal_secret = _online_services(online, instance_dir, host, port)
        settings = {**settings, "PORTAL_OIDC_ISSUER": online.url("eid"), "PORTAL_OIDC_CLIENT_ID": PORTAL_CLIENT_ID,
                    "PORTAL_OIDC_CLIENT_SECRET": portal_secret}
        ctx, store, services = services_from_settings(settings)
        sessions = make_session_factory(make_engine(settings["DATABASE_URL"]))
        worker = Worker(sessions, ctx, backoff=jobs.Backoff(base_seconds=2.0, cap_seconds=30.0))
        echo("Demodaten werden angelegt …")
        logins = seed(sessions, ctx, store, drain=lambda: _drain(worker))
        schedule_polling(sessions, services.fitconnect, utcnow())
        seed_applicants(sessions, ctx, online, destinations["schwerin"], drain=lambda: _drain(worker))
        _serve(settings, worker, host, port, echo, logins, simulators, online)


def _online_services(online, instance_dir: Path, host: str, port: int) -> tuple[dict[str, str], str]:
    """Destinations (with 4096-bit keys) and merchant accounts of the demo authorities, their files, the portal."""
    destinations, merchants = [], []
    for slug, prefix in DEMO_AUTHORITIES.items():
        destinations.append(online.add_destination(
            slug, ["baugenehmigung", "geburt", "eheschliessung"], instance_dir / "fitconnect-keys",
            callback_url=f"http://{host}:{port}/api/v1/fitconnect/callbacks/{slug}", key_bits=4096))
        merchants.append(online.add_merchant(slug, prefix))
    files, env = online.write_configs(instance_dir, destinations, merchants)
    os.environ.update(env)
    os.environ[FITCONNECT_ENV], os.environ[PAYMENT_ENV] = str(files["fitconnect"]), str(files["payment"])
    portal_secret = secrets.token_urlsafe(24)
    online.register_portal(PORTAL_CLIENT_ID, portal_secret, [f"http://{host}:{port}/buerger/anmelden/rueckkehr"])
    return {d.slug: d.destination_id for d in destinations}, portal_secret


def _pseudonym_secret(instance_dir: Path) -> str:
    """The eID simulator's pseudonym secret, kept in the instance directory so accounts survive a restart."""
    path = instance_dir / "eid-pseudonym-secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _drain(worker: Worker, limit: int = 200) -> int:
    count = 0
    while count < limit and worker.run_once():
        count += 1
    return count


def _serve(settings, worker, host, port, echo, logins, simulators, online) -> None:
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
    echo(f"\nBürgerportal: http://{host}:{port}/buerger/  (Anmeldung am Nutzerkonto-Simulator als Testperson: "
         + ", ".join(f"{p['given_name']} {p['family_name']}" for p in PERSONS.values()) + ")")
    echo("  Erika Müller: Bauantrag, Unterlagen fehlen · Mehmet Yılmaz: Bauantrag, Gebühr offen")
    echo(f"FIT-Connect-Zustelldienst {online.url('fitconnect')} · Nutzerkonto {online.url('eid')} · "
         f"Zahlungsplattform {online.url('epay')}")
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
