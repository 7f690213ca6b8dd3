"""An installation with the applicant-side simulators: FIT-Connect, eID broker, payment platform, live server.

The app is configured like production (config files named by
AKTENFLUSS_FITCONNECT_FILE and AKTENFLUSS_PAYMENT_FILE, the portal's OpenID
provider) for one authority whose destination and merchant account exist at
the simulators. It is served on a loopback port, because the simulators call
it back (FIT-Connect callbacks, payment notifications, the browser's
redirects). The worker runs in-process until no job is due.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import yaml
from werkzeug.serving import make_server

from eakte.aktenplan import load_file_plan
from eakte.siegel import make_test_seal_certificate
from engine import jobs
from engine.db import transaction, utcnow
from engine.worker import Worker
from processes.fitconnect.polling import poll_now, schedule_polling
from processes.simulators.online import DestinationSetup, MerchantSetup, start_online_simulators
from processes.simulators.fitconnect_sender import OnlineService
from processes.simulators.runner import API_KEY_ENV, start_simulators

PORTAL_CLIENT = ("aktenfluss-portal", "portal-geheimnis-123")
PLAN = {
    "units": [
        {"code": "00.01", "title": "Allgemeine Verwaltung", "retention_years": 10, "disposal": "V"},
        {"code": "63.01", "title": "Baugenehmigungen", "retention_years": 30, "disposal": "A"},
        {"code": "34.01", "title": "Geburten (Personenstand)", "retention_years": 110, "disposal": "A"},
        {"code": "34.02", "title": "Eheschließungen (Personenstand)", "retention_years": 80, "disposal": "A"},
    ],
    "processes": {"*": "00.01", "baugenehmigung": "63.01", "geburt": "34.01", "eheschliessung": "34.02"},
}


class _Deferred:
    """A WSGI app set after the server listens (the app's configuration needs the server's address)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class OnlineInstallation:
    """What the applicant tests work with."""

    app: object
    base_url: str
    online: object
    slug: str
    authority_id: str
    destination: DestinationSetup
    merchant: MerchantSetup
    sender: OnlineService
    ca_cert: Path

    @property
    def client(self):
        return self.app.test_client()

    @property
    def sessions(self):
        return self.app.extensions["db_sessions"]

    def worker(self, ahead: timedelta | None = None) -> Worker:
        ctx = self.app.extensions["engine_context"]
        if ahead is not None:
            ctx = replace(ctx, clock=lambda: utcnow() + ahead)
        return Worker(self.sessions, ctx, authority_id=self.authority_id,
                      backoff=jobs.Backoff(base_seconds=0.0, cap_seconds=0.0), lease=timedelta(seconds=60))

    def user(self, username: str, roles=("clerk",), groups=()):
        """A user of the authority with an API token (tests.conftest.Actor)."""
        from engine.identity import create_user, get_authority, issue_token
        from tests.conftest import Actor

        with transaction(self.sessions) as session:
            user = create_user(session, get_authority(session, self.slug), username, roles=list(roles),
                               groups=list(groups), password="test-passwort-123")
            return Actor(user.id, user.username, issue_token(session, user), self.authority_id)

    def drain(self, limit: int = 500, ahead: timedelta | None = None) -> int:
        """Run the authority's due jobs until none is due; return how many ran."""
        worker, count = self.worker(ahead), 0
        while count < limit and worker.run_once():
            count += 1
        return count

    def poll(self) -> int:
        """Make the FIT-Connect poll due now and run the worker until it ran.

        A callback the simulator sends at the same moment holds the poll job's
        row lock for its request; the claim skips locked rows, so it tries again.
        """
        for _ in range(100):
            with transaction(self.sessions) as session:
                poll_now(session, self.authority_id, utcnow())
            ran = self.drain()
            if ran:
                return ran
            time.sleep(0.05)
        raise AssertionError("the FIT-Connect poll job did not run")


@contextmanager
def running_online_installation(tmp: Path, backend, monkeypatch, *, procedures=("baugenehmigung", "geburt",
                                                                             "eheschliessung")
                                ) -> Iterator[OnlineInstallation]:
    """Start the simulators and the served app for one fresh authority (see the module docstring)."""
    from engine.identity import create_authority
    from web import create_app

    specialist = start_simulators()
    online = start_online_simulators()
    deferred = _Deferred()
    server = make_server("127.0.0.1", 0, deferred, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        slug = f"on-{uuid.uuid4().hex[:10]}"
        destination = online.add_destination(slug, list(procedures), tmp / "keys",
                                             callback_url=f"{base_url}/api/v1/fitconnect/callbacks/{slug}")
        merchant = online.add_merchant(slug)
        files, env = online.write_configs(tmp / "config", [destination], [merchant])
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        connectors = tmp / "connectors.yaml"
        connectors.write_text(yaml.safe_dump(specialist.connector_config()), encoding="utf-8")
        monkeypatch.setenv("AKTENFLUSS_CONNECTORS_FILE", str(connectors))
        monkeypatch.setenv(API_KEY_ENV, specialist.api_key)
        monkeypatch.setenv("AKTENFLUSS_FITCONNECT_FILE", str(files["fitconnect"]))
        monkeypatch.setenv("AKTENFLUSS_PAYMENT_FILE", str(files["payment"]))
        online.register_portal(*PORTAL_CLIENT, [f"{base_url}/buerger/anmelden/rueckkehr",
                                                "http://localhost/buerger/anmelden/rueckkehr"])
        key, cert, ca = make_test_seal_certificate(tmp / "seal", "Landeshauptstadt Schwerin")
        app = create_app({
            "DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "test",
            "SEAL_KEY_FILE": str(key), "SEAL_CERT_FILE": str(cert), "PUBLIC_BASE_URL": base_url,
            "PORTAL_OIDC_ISSUER": online.url("eid"), "PORTAL_OIDC_CLIENT_ID": PORTAL_CLIENT[0],
            "PORTAL_OIDC_CLIENT_SECRET": PORTAL_CLIENT[1],
        })
        deferred.app = app
        thread.start()
        sessions = app.extensions["db_sessions"]
        with transaction(sessions) as session:
            authority_id = create_authority(session, slug, "Landeshauptstadt Schwerin (Test)").id
            load_file_plan(session, authority_id, PLAN)
        _deploy(sessions, app, procedures, authority_id)
        schedule_polling(sessions, app.extensions["online_services"].fitconnect, utcnow())
        yield OnlineInstallation(app, base_url, online, slug, authority_id, destination, merchant,
                                 online.add_sender(), Path(ca))
    finally:
        server.shutdown()
        server.server_close()
        online.stop()
        specialist.stop()
        if deferred.app is not None:
            deferred.app.extensions["db_engine"].dispose()


def _deploy(sessions, app, procedures, authority_id: str) -> None:
    from processes.casework import deploy_model

    bpmn = Path(__file__).resolve().parents[2] / "bpmn"
    with transaction(sessions) as session:
        for procedure in procedures:
            files = {p.name: p.read_bytes() for p in sorted((bpmn / procedure).iterdir())}  # the whole package
            deploy_model(session, app.extensions["engine_context"], files, authority_id=authority_id, actor="test")
