"""The applicant-side simulators: FIT-Connect Zustelldienst, eID broker and payment platform.

Started on loopback ports by the demo and the tests, like the specialist-system
simulators (runner.py)::

    with start_online_simulators() as online:
        destination = online.add_destination("schwerin", {LEIKA_BAU: "Baugenehmigung"}, key_dir)
        sender = online.add_sender()
        merchant = online.add_merchant("schwerin")
        files = online.write_configs(directory, [destination], [merchant])   # config files + environment

The authority's secrets go into environment variables the configuration
files refer to (``${…}``), never into the files.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml
from werkzeug.serving import BaseWSGIServer, make_server

from processes.fitconnect.jose import generate_private_key, public_jwk
from processes.simulators.eid import EidBroker
from processes.simulators.epay import PaymentPlatform
from processes.simulators.fitconnect import Zustelldienst
from processes.simulators.fitconnect_sender import OnlineService

LEIKA_BAUGENEHMIGUNG = "urn:de:fim:leika:leistung:99066025001000"
LEIKA_GEBURT = "urn:de:fim:leika:leistung:99036004001000"
LEIKA_EHESCHLIESSUNG = "urn:de:fim:leika:leistung:99036002001000"
"""LeiKa service keys used by the demo and the tests (set the ones your online services use)."""
SERVICES = {"baugenehmigung": (LEIKA_BAUGENEHMIGUNG, "Baugenehmigung"),
            "geburt": (LEIKA_GEBURT, "Geburtsanzeige"),
            "eheschliessung": (LEIKA_EHESCHLIESSUNG, "Anmeldung der Eheschließung")}


@dataclass(frozen=True)
class DestinationSetup:
    """A destination registered at the Zustelldienst, with what the authority needs to configure."""

    slug: str
    destination_id: str
    client_id: str
    client_secret: str
    callback_secret: str
    decryption_key_file: Path
    signing_key_file: Path
    services: dict[str, str]


@dataclass(frozen=True)
class MerchantSetup:
    """An authority's merchant account at the payment platform."""

    slug: str
    merchant_id: str
    api_key: str
    notification_secret: str
    kassenzeichen_prefix: str


@dataclass
class OnlineSimulators:
    """The running simulators; a context manager that stops them."""

    admin_key: str
    fitconnect: Zustelldienst
    eid: EidBroker
    epay: PaymentPlatform
    servers: dict[str, tuple[BaseWSGIServer, threading.Thread]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """Base URL of ``fitconnect``, ``eid`` or ``epay``."""
        host, port = self.servers[name][0].socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def add_destination(self, slug: str, processes: list[str], key_dir: Path, *, callback_url: str | None = None,
                        key_bits: int = 2048) -> DestinationSetup:
        """Make the authority's key pairs, register a destination for the procedures' services and its subscriber."""
        key_dir.mkdir(parents=True, exist_ok=True)
        decryption, signing = generate_private_key("RSA-OAEP-256", key_bits), generate_private_key("PS512", key_bits)
        decryption_file, signing_file = key_dir / f"{slug}-decryption.jwk.json", key_dir / f"{slug}-signing.jwk.json"
        for path, key in ((decryption_file, decryption), (signing_file, signing)):
            path.write_text(json.dumps(key), encoding="utf-8")
            path.chmod(0o600)
        client_id, client_secret, callback_secret = f"subscriber-{slug}", secrets.token_urlsafe(24), \
            secrets.token_urlsafe(24)
        services = dict(SERVICES[p] for p in processes)
        answer = self._control("fitconnect", "/_control/destinations", {
            "encryptionKey": public_jwk(decryption), "signatureKey": public_jwk(signing),
            "services": [{"identifier": k, "name": v} for k, v in services.items()],
            "callback": {"url": callback_url, "secret": callback_secret} if callback_url else None,
            "subscriber": {"clientId": client_id, "clientSecret": client_secret}})
        return DestinationSetup(slug, answer["destinationId"], client_id, client_secret, callback_secret,
                                decryption_file, signing_file, {k: p for p, (k, _) in SERVICES.items()
                                                                if p in processes})

    def add_sender(self, name: str = "mv-serviceportal") -> OnlineService:
        """Register an online service (sender client) and return it."""
        secret = secrets.token_urlsafe(24)
        self._control("fitconnect", "/_control/clients", {"clientId": name, "clientSecret": secret, "role": "sender"})
        return OnlineService(self.url("fitconnect"), f"{self.url('fitconnect')}/token", name, secret)

    def add_merchant(self, slug: str, prefix: str = "5063") -> MerchantSetup:
        """Open a merchant account for an authority."""
        merchant = MerchantSetup(slug, f"bewirtschafter-{slug}", secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                                 prefix)
        self.epay.add_merchant(merchant.merchant_id, merchant.api_key, merchant.notification_secret)
        return merchant

    def register_portal(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Register the portal as a relying party of the eID broker."""
        self.eid.register_client(client_id, client_secret, redirect_uris)

    def write_configs(self, directory: Path, destinations: list[DestinationSetup],
                      merchants: list[MerchantSetup]) -> tuple[dict[str, Path], dict[str, str]]:
        """Write the FIT-Connect and payment configuration files; return them and the environment they need."""
        directory.mkdir(parents=True, exist_ok=True)
        env, authorities = {}, {}
        for d in destinations:
            prefix = "AKTENFLUSS_FITCONNECT_" + re.sub(r"[^A-Z0-9]", "_", d.slug.upper())
            env[f"{prefix}_SECRET"], env[f"{prefix}_CALLBACK"] = d.client_secret, d.callback_secret
            authorities[d.slug] = {
                "client_id": d.client_id, "client_secret": f"${{{prefix}_SECRET}}",
                "callback_secret": f"${{{prefix}_CALLBACK}}", "poll_interval": 30,
                "destinations": [{"id": d.destination_id, "decryption_key": str(d.decryption_key_file),
                                  "signing_key": str(d.signing_key_file), "services": d.services}]}
        fitconnect = {"token_url": f"{self.url('fitconnect')}/token", "submission_api_url": self.url("fitconnect"),
                      "identity_issuer": self.url("eid"), "authorities": authorities}
        payees = {}
        for m in merchants:
            prefix = "AKTENFLUSS_EPAY_" + re.sub(r"[^A-Z0-9]", "_", m.slug.upper())
            env[f"{prefix}_KEY"], env[f"{prefix}_NOTIFICATION"] = m.api_key, m.notification_secret
            payees[m.slug] = {"merchant_id": m.merchant_id, "api_key": f"${{{prefix}_KEY}}",
                              "notification_secret": f"${{{prefix}_NOTIFICATION}}",
                              "kassenzeichen_prefix": m.kassenzeichen_prefix}
        files = {"fitconnect": directory / "fitconnect.yaml", "payment": directory / "payment.yaml"}
        files["fitconnect"].write_text(yaml.safe_dump(fitconnect, allow_unicode=True), encoding="utf-8")
        files["payment"].write_text(yaml.safe_dump({"provider_url": self.url("epay"), "authorities": payees},
                                                   allow_unicode=True), encoding="utf-8")
        return files, env

    def _control(self, name: str, path: str, body: dict) -> dict:
        response = requests.post(self.url(name) + path, json=body, headers={"X-API-Key": self.admin_key}, timeout=10)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Stop every server and wait for its thread."""
        for server, _thread in self.servers.values():
            server.shutdown()
            server.server_close()
        for _server, thread in self.servers.values():
            thread.join(timeout=5)
        self.servers.clear()

    def __enter__(self) -> OnlineSimulators:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_online_simulators(host: str = "127.0.0.1", ports: dict[str, int] | None = None,
                            admin_key: str | None = None, pseudonym_secret: str | None = None,
                            key_bits: int = 2048) -> OnlineSimulators:
    """Start the three simulators on ``host`` (loopback only); a port of 0 or a missing one means any free port.

    Raises:
        ValueError: ``host`` is not a loopback address.
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"simulators bind to loopback addresses only, not {host}")
    key = admin_key or secrets.token_urlsafe(24)
    online = OnlineSimulators(key, Zustelldienst(key, key_bits), EidBroker(key, pseudonym_secret, key_bits),
                              PaymentPlatform(key))
    try:
        for name, app in (("fitconnect", online.fitconnect), ("eid", online.eid), ("epay", online.epay)):
            server = make_server(host, (ports or {}).get(name, 0), app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      name=f"simulator-{name}", daemon=True)
            thread.start()
            online.servers[name] = (server, thread)
        online.fitconnect.base_url = online.url("fitconnect")
        online.eid.issuer = online.url("eid")
        online.epay.base_url = online.url("epay")
    except BaseException:
        online.stop()
        raise
    return online
