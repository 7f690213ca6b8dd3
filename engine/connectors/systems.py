"""Operations a package declares, and where their systems are for an authority.

A declared operation (``OperationDeclaration``) says how a specialist system
is called: method, path with ``{placeholders}`` filled from the parameters,
and an output mapping (result name -> JSON pointer into the answer; without
one the whole answer is the result). Where the system is comes from, in this
order: the authority's own entry in the connectors file, the authority's
settings made in the UI (``engine_connector_systems``), the file's default.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.connectors.config import ConnectorConfig, SystemSettings
from engine.connectors.http import CallResult, ConnectorError, ConnectorOperation, call_endpoint
from engine.errors import InvalidData
from engine.models_packages import ConnectorSystem

SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,100}$")
PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
SECRET_HEADER = re.compile(r"(authorization|token|key|secret|passw|cookie)", re.IGNORECASE)


@dataclass(frozen=True)
class OperationDeclaration:
    """How a package calls one operation of a specialist system."""

    name: str
    system: str
    method: str = "POST"
    path: str = ""
    output: dict[str, str] = field(default_factory=dict)


def settings_for(session: Session, config: ConnectorConfig, authority_id: str | None, authority_slug: str | None,
                 system: str) -> tuple[SystemSettings, str] | None:
    """Return where ``system`` is for the authority and where that is configured (``file`` or ``ui``), or None."""
    own = config.system(authority_slug, system, own_only=True)
    if own is not None:
        return own, "file"
    if authority_id is not None:
        row = session.scalar(select(ConnectorSystem).where(ConnectorSystem.authority_id == authority_id,
                                                           ConnectorSystem.system == system))
        if row is not None:
            return SystemSettings(url=row.url, timeout=row.timeout, headers=dict(row.headers or {})), "ui"
    default = config.system(authority_slug, system)
    return (default, "file") if default is not None else None


def save_system(session: Session, authority_id: str, system: str, url: str, timeout: float,
                headers: dict[str, str], *, actor: str, now: datetime) -> ConnectorSystem:
    """Store where a system is for an authority (checked first).

    Raises:
        InvalidData: naming each field in error.
    """
    problems: dict[str, list[str]] = {}
    if not SYSTEM_NAME.match(system or ""):
        problems["system"] = ["a system name has 1-64 lower-case letters, digits, '_' or '-'"]
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or len(url) > 500:
        problems["url"] = ["an http(s) address without query, at most 500 characters"]
    if not 0 < timeout <= 300:
        problems["timeout"] = ["between 0 and 300 seconds"]
    for name, value in headers.items():
        if not HEADER_NAME.match(name) or len(value) > 1000 or any(ord(c) < 32 for c in value):
            problems.setdefault("headers", []).append(f"header '{name[:100]}' is not a valid header")
        elif SECRET_HEADER.search(name) and not PLACEHOLDER.search(value):
            problems.setdefault("headers", []).append(
                f"header '{name}' carries a credential: write it as ${{VARIABLE}} (from the environment)")
    if problems:
        raise InvalidData("the connector settings are not valid", {"fields": problems})
    row = session.scalar(select(ConnectorSystem).where(ConnectorSystem.authority_id == authority_id,
                                                       ConnectorSystem.system == system))
    if row is None:
        row = ConnectorSystem(authority_id=authority_id, system=system)
        session.add(row)
    row.url, row.timeout, row.headers = url.rstrip("/"), timeout, dict(headers)
    row.updated_at, row.updated_by = now, actor
    session.flush()
    return row


def systems_of(session: Session, authority_id: str) -> dict[str, ConnectorSystem]:
    """Return the systems the authority configured in the UI, by name."""
    rows = session.scalars(select(ConnectorSystem).where(ConnectorSystem.authority_id == authority_id))
    return {row.system: row for row in rows}


class DeclaredConnectorOperation(ConnectorOperation):
    """A declared operation with the system's settings resolved for one authority (by the worker)."""

    def __init__(self, declaration: OperationDeclaration, settings: SystemSettings):
        super().__init__(declaration.name, ConnectorConfig())
        self.declaration = declaration
        self.settings = settings

    def call(self, authority_slug: str | None, params: dict[str, Any], idempotency_key: str) -> CallResult:
        """Call the system and apply the declared output mapping."""
        endpoint = self.settings.endpoint(self.declaration.method, self.declaration.path)
        outcome = call_endpoint(endpoint, self.name, params, idempotency_key)
        result = map_output(self.declaration, outcome.result)
        return CallResult(result, {**outcome.summary, "system": self.declaration.system, "result": result})


def declared_operation(session: Session, config: ConnectorConfig, declaration: OperationDeclaration,
                       authority_id: str | None, authority_slug: str | None) -> DeclaredConnectorOperation:
    """Return the declared operation with its system's settings for the authority.

    Raises:
        ConnectorError: the authority has not configured the system (the job fails, then an incident says so).
    """
    found = settings_for(session, config, authority_id, authority_slug, declaration.system)
    if found is None:
        raise ConnectorError(f"operation '{declaration.name}' goes to system '{declaration.system}', which is not "
                             f"configured for authority '{authority_slug}' (connector settings of the authority)")
    return DeclaredConnectorOperation(declaration, found[0])


def map_output(declaration: OperationDeclaration, answer: Any) -> Any:
    """Pick the declared values out of an answer (JSON pointers); the whole answer without a mapping.

    Raises:
        ConnectorError: the answer lacks a declared value.
    """
    if not declaration.output:
        return answer
    result = {}
    for name, pointer in declaration.output.items():
        try:
            result[name] = resolve_pointer(answer, pointer)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ConnectorError(f"operation '{declaration.name}': the answer has no value at '{pointer}' "
                                 f"(for '{name}')") from exc
    return result


def resolve_pointer(document: Any, pointer: str) -> Any:
    """Return the value a JSON pointer (RFC 6901) points to."""
    value = document
    if pointer == "":
        return value
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value
