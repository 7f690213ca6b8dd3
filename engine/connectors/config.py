"""Per-authority endpoint configuration of connector operations.

The BPMN model names only the operation and its parameters
(``spiffworkflow:serviceTaskOperator id="melderegister.lookup"``). Where the
operation goes — URL, method, path, credentials, timeout — is configuration of
the operator, per authority, in a YAML file named by ``AKTENFLUSS_CONNECTORS_FILE``::

    default:                      # for every authority without its own entry
      melderegister.lookup:
        url: https://register.example
        method: GET
        path: /persons/{person_id}          # placeholders are filled from the parameters
        timeout: 5                          # seconds (default 10)
        headers:
          Authorization: "Bearer ${MELDEREGISTER_TOKEN}"   # ${VAR} comes from the environment
    authorities:
      stadt-musterhausen:         # authority slug
        melderegister.lookup:
          url: http://127.0.0.1:8081
          method: POST
          path: /lookup

Credentials therefore live in the environment (or a secret-mounted file), never
in the model or the database.

An operation that a procedure package declares (method, path, output mapping;
see processes/packages/manifest.py) names the *system* it goes to; then only
the system's address is configuration, under ``systems`` (by default or per
authority; the UI can store it per authority too, engine/connectors/systems.py)::

    default:
      systems:
        gewerberegister:
          url: https://gewerbe.example
          timeout: 5
          headers:
            X-API-Key: "${GEWERBE_API_KEY}"
    authorities:
      stadt-musterhausen:
        systems:
          gewerberegister: {url: http://127.0.0.1:8090}
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ENV_VAR = "AKTENFLUSS_CONNECTORS_FILE"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
SYSTEMS_KEY = "systems"


class ConnectorConfigError(ValueError):
    """The connector configuration is invalid."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how one operation is called for one authority."""

    url: str
    method: str = "POST"
    path: str = ""
    timeout: float = 10.0
    headers: dict[str, str] = field(default_factory=dict)

    def resolved_headers(self) -> dict[str, str]:
        """Return the headers with ``${VAR}`` replaced from the environment.

        Raises:
            ConnectorConfigError: a referenced variable is not set.
        """
        def expand(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConnectorConfigError(f"environment variable '{name}' used in connector headers is not set")
            return os.environ[name]

        return {key: _PLACEHOLDER.sub(expand, value) for key, value in self.headers.items()}


@dataclass(frozen=True)
class SystemSettings:
    """Where a specialist system is: base URL, timeout, headers (``${VAR}`` placeholders for secrets)."""

    url: str
    timeout: float = 10.0
    headers: dict[str, str] = field(default_factory=dict)

    def endpoint(self, method: str, path: str) -> Endpoint:
        """Return the endpoint of one operation of this system."""
        return Endpoint(url=self.url.rstrip("/"), method=method, path=path, timeout=self.timeout,
                        headers=dict(self.headers))


@dataclass(frozen=True)
class ConnectorConfig:
    """All configured operations: a default endpoint and per-authority overrides; the same for systems."""

    default: dict[str, Endpoint] = field(default_factory=dict)
    authorities: dict[str, dict[str, Endpoint]] = field(default_factory=dict)
    default_systems: dict[str, SystemSettings] = field(default_factory=dict)
    authority_systems: dict[str, dict[str, SystemSettings]] = field(default_factory=dict)

    def system(self, authority_slug: str | None, name: str, *, own_only: bool = False) -> SystemSettings | None:
        """Return the file's settings of a system for an authority (its own, else the default unless ``own_only``)."""
        own = self.authority_systems.get(authority_slug or "", {})
        if name in own:
            return own[name]
        return None if own_only else self.default_systems.get(name)

    def has_operation(self, authority_slug: str | None, operation: str) -> bool:
        """Tell whether the operation has an endpoint for the authority."""
        return operation in self.authorities.get(authority_slug or "", {}) or operation in self.default

    def operations(self) -> set[str]:
        """Return every configured operation name."""
        names = set(self.default)
        for endpoints in self.authorities.values():
            names.update(endpoints)
        return names

    def endpoint(self, authority_slug: str | None, operation: str) -> Endpoint:
        """Return the endpoint of ``operation`` for an authority (its own, else the default).

        Raises:
            ConnectorConfigError: the operation is not configured for this authority.
        """
        own = self.authorities.get(authority_slug or "", {})
        if operation in own:
            return own[operation]
        if operation in self.default:
            return self.default[operation]
        raise ConnectorConfigError(
            f"operation '{operation}' has no endpoint configured for authority '{authority_slug}' "
            f"(see {ENV_VAR})"
        )

    @classmethod
    def from_dict(cls, data: dict | None) -> ConnectorConfig:
        """Build from parsed YAML.

        Raises:
            ConnectorConfigError: the structure or a value is invalid.
        """
        data = data or {}
        if not isinstance(data, dict) or set(data) - {"default", "authorities"}:
            raise ConnectorConfigError("connector configuration must be a mapping with 'default' and/or 'authorities'")
        authorities = data.get("authorities") or {}
        if not isinstance(authorities, dict):
            raise ConnectorConfigError("'authorities' must map authority slugs to operations")
        default = data.get("default") or {}
        if not isinstance(default, dict) or not all(isinstance(ops or {}, dict) for ops in authorities.values()):
            raise ConnectorConfigError("operations of 'default' and of each authority must be a mapping")
        return cls(
            default=_endpoints(default, "default"),
            authorities={slug: _endpoints(ops or {}, slug) for slug, ops in authorities.items()},
            default_systems=_systems(default.get("systems") or {}, "default"),
            authority_systems={slug: _systems((ops or {}).get("systems") or {}, slug)
                               for slug, ops in authorities.items()},
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ConnectorConfig:
        """Load a YAML file (see the module docstring)."""
        try:
            return cls.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConnectorConfigError(f"cannot read connector configuration '{path}': {exc}") from exc
        except RecursionError as exc:
            raise ConnectorConfigError(f"cannot read connector configuration '{path}': nested too deeply") from exc

    @classmethod
    def from_env(cls) -> ConnectorConfig:
        """Load the file named by ``AKTENFLUSS_CONNECTORS_FILE``; empty if unset."""
        path = os.environ.get(ENV_VAR)
        return cls.from_file(path) if path else cls()


def _endpoints(operations: dict, where: str) -> dict[str, Endpoint]:
    if not isinstance(operations, dict):
        raise ConnectorConfigError(f"operations of '{where}' must be a mapping")
    result = {}
    for name, spec in operations.items():
        if name == SYSTEMS_KEY:
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            raise ConnectorConfigError(f"operation '{name}' of '{where}' needs a 'url'")
        method = str(spec.get("method", "POST")).upper()
        if method not in _METHODS:
            raise ConnectorConfigError(f"operation '{name}' of '{where}' has unsupported method '{method}'")
        unknown = set(spec) - {"url", "method", "path", "timeout", "headers"}
        if unknown:
            raise ConnectorConfigError(f"operation '{name}' of '{where}' has unknown keys: {', '.join(sorted(unknown))}")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict):
            raise ConnectorConfigError(f"headers of operation '{name}' of '{where}' must be a mapping")
        result[name] = Endpoint(
            url=spec["url"].rstrip("/"), method=method, path=str(spec.get("path", "")),
            timeout=float(spec.get("timeout", 10.0)), headers={str(k): str(v) for k, v in headers.items()},
        )
    return result


def _systems(systems: dict, where: str) -> dict[str, SystemSettings]:
    if not isinstance(systems, dict):
        raise ConnectorConfigError(f"systems of '{where}' must be a mapping")
    result = {}
    for name, spec in systems.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            raise ConnectorConfigError(f"system '{name}' of '{where}' needs a 'url'")
        unknown = set(spec) - {"url", "timeout", "headers"}
        if unknown:
            raise ConnectorConfigError(f"system '{name}' of '{where}' has unknown keys: {', '.join(sorted(unknown))}")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict):
            raise ConnectorConfigError(f"headers of system '{name}' of '{where}' must be a mapping")
        try:
            timeout = float(spec.get("timeout", 10.0))
        except (TypeError, ValueError) as exc:
            raise ConnectorConfigError(f"timeout of system '{name}' of '{where}' must be a number") from exc
        result[str(name)] = SystemSettings(url=spec["url"].rstrip("/"), timeout=timeout,
                                           headers={str(k): str(v) for k, v in headers.items()})
    return result
