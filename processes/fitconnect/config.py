"""Which FIT-Connect destinations an authority receives, with which credentials and keys.

The file named by ``AKTENFLUSS_FITCONNECT_FILE``::

    token_url: https://auth-testing.fit-connect.fitko.dev/token
    submission_api_url: https://submission-api-testing.fit-connect.fitko.dev
    identity_issuer: https://id.example.org        # eID broker whose identification reports are trusted
    authorities:
      schwerin:                                     # authority slug
        client_id: 0b1c...                          # API client (subscriber) of the self-service portal
        client_secret: ${FITCONNECT_SCHWERIN_SECRET}
        callback_secret: ${FITCONNECT_SCHWERIN_CALLBACK_SECRET}   # HMAC key of the callbacks
        poll_interval: 60                           # seconds between two polls (default 60)
        destinations:
          - id: 7b1c0c52-...                        # destination (Zustellpunkt) id
            decryption_key: /etc/aktenfluss/fitconnect/schwerin-decryption.jwk.json
            signing_key: /etc/aktenfluss/fitconnect/schwerin-signing.jwk.json
            services:                               # LeiKa service -> process key
              "urn:de:fim:leika:leistung:99066025001000": baugenehmigung

The private keys are JWK files (RSA, 4096 bits in production): the
decryption key with ``alg`` RSA-OAEP-256, the signing key with ``alg`` PS512;
their public halves are registered with the destination.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from joserfc.jwk import RSAKey

from processes.config_files import ConfigError, expand, mapping, only_keys, read_yaml, text
from processes.fitconnect.jose import JoseFailure, import_rsa_key

ENV_VAR = "AKTENFLUSS_FITCONNECT_FILE"
DEFAULT_POLL_SECONDS = 60
LEIKA_PREFIX = "urn:de:fim:leika:leistung:"


@dataclass(frozen=True)
class Destination:
    """One destination (Zustellpunkt): its keys and the services it takes, each mapped to a process."""

    id: str
    decryption_key_file: Path
    signing_key_file: Path
    services: dict[str, str]

    def decryption_key(self) -> RSAKey:
        """The private key the submissions of this destination are encrypted for."""
        return load_private_key(self.decryption_key_file, "RSA-OAEP-256")

    def signing_key(self) -> RSAKey:
        """The private key that signs this destination's Security Event Tokens."""
        return load_private_key(self.signing_key_file, "PS512")


@dataclass(frozen=True)
class AuthorityAccess:
    """An authority's API client (subscriber) and its destinations."""

    slug: str
    client_id: str
    client_secret: str
    callback_secret: str | None
    poll_interval: int
    destinations: tuple[Destination, ...]

    def secret(self) -> str:
        """The client secret with ``${VAR}`` resolved."""
        return expand(self.client_secret, f"the FIT-Connect client secret of '{self.slug}'")

    def callback_key(self) -> bytes | None:
        """The HMAC key of callbacks, or None if callbacks are not configured."""
        if self.callback_secret is None:
            return None
        return expand(self.callback_secret, f"the FIT-Connect callback secret of '{self.slug}'").encode("utf-8")

    def destination(self, destination_id: str) -> Destination | None:
        """The configured destination with this id, or None."""
        return next((d for d in self.destinations if d.id == destination_id), None)


@dataclass(frozen=True)
class FitConnectConfig:
    """The FIT-Connect environment and the authorities that receive through it."""

    token_url: str = ""
    submission_api_url: str = ""
    identity_issuer: str | None = None
    authorities: dict[str, AuthorityAccess] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """True if at least one authority receives submissions."""
        return bool(self.authorities)

    @classmethod
    def from_dict(cls, data: dict | None) -> FitConnectConfig:
        """Build from parsed YAML (see the module docstring).

        Raises:
            ConfigError: the structure or a value is invalid.
        """
        data = mapping(data, "the FIT-Connect configuration")
        if not data:
            return cls()
        only_keys(data, {"token_url", "submission_api_url", "identity_issuer", "authorities"},
                  "the FIT-Connect configuration")
        authorities = {}
        for slug, entry in mapping(data.get("authorities"), "'authorities'").items():
            authorities[str(slug)] = _authority(str(slug), mapping(entry, f"authority '{slug}'"))
        return cls(
            token_url=text(data, "token_url", "the FIT-Connect configuration"),
            submission_api_url=text(data, "submission_api_url", "the FIT-Connect configuration").rstrip("/"),
            identity_issuer=text(data, "identity_issuer", "the FIT-Connect configuration", required=False),
            authorities=authorities,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> FitConnectConfig:
        """Load a YAML file."""
        return cls.from_dict(read_yaml(path, "FIT-Connect configuration"))

    @classmethod
    def from_env(cls) -> FitConnectConfig:
        """Load the file named by ``AKTENFLUSS_FITCONNECT_FILE``; empty (FIT-Connect off) if unset."""
        path = os.environ.get(ENV_VAR)
        return cls.from_file(path) if path else cls()


def load_private_key(path: Path, algorithm: str) -> RSAKey:
    """Read a private RSA JWK and check that it is meant for ``algorithm``.

    Raises:
        ConfigError: the file is missing, not a private RSA JWK, or for another algorithm.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        key = import_rsa_key(data)
    except (OSError, ValueError, JoseFailure) as exc:
        raise ConfigError(f"cannot read the key '{path}': {exc}") from exc
    if not key.is_private:
        raise ConfigError(f"the key '{path}' is a public key; the private key is needed")
    if data.get("alg") not in (None, algorithm):
        raise ConfigError(f"the key '{path}' is for {data.get('alg')}, not {algorithm}")
    return key


def _authority(slug: str, data: dict) -> AuthorityAccess:
    where = f"authority '{slug}'"
    only_keys(data, {"client_id", "client_secret", "callback_secret", "poll_interval", "destinations"}, where)
    interval = data.get("poll_interval", DEFAULT_POLL_SECONDS)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= 86400:
        raise ConfigError(f"poll_interval of {where} must be 1 to 86400 seconds")
    destinations = data.get("destinations") or []
    if not isinstance(destinations, list) or not destinations:
        raise ConfigError(f"{where} needs a list of 'destinations'")
    return AuthorityAccess(
        slug=slug, client_id=text(data, "client_id", where), client_secret=text(data, "client_secret", where),
        callback_secret=text(data, "callback_secret", where, required=False), poll_interval=interval,
        destinations=tuple(_destination(mapping(d, f"a destination of {where}"), where) for d in destinations),
    )


def _destination(data: dict, where: str) -> Destination:
    only_keys(data, {"id", "decryption_key", "signing_key", "services"}, f"a destination of {where}")
    destination_id = text(data, "id", f"a destination of {where}")
    inner = f"destination '{destination_id}' of {where}"
    services = {str(k): str(v) for k, v in mapping(data.get("services"), f"services of {inner}").items()}
    if not services:
        raise ConfigError(f"{inner} needs 'services' (LeiKa key -> process key)")
    bad = [key for key in services if not key.startswith(LEIKA_PREFIX)]
    if bad:
        raise ConfigError(f"services of {inner} must be LeiKa URNs ({LEIKA_PREFIX}...), not {', '.join(bad)}")
    return Destination(id=destination_id, decryption_key_file=Path(text(data, "decryption_key", inner)),
                       signing_key_file=Path(text(data, "signing_key", inner)), services=services)
