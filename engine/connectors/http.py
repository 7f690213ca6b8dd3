"""The generic HTTP/JSON connector: call an endpoint with an operation's parameters.

Parameters fill the placeholders of the endpoint's path (``/persons/{person_id}``,
URL-quoted); the remaining ones are sent as JSON body (POST, PUT, PATCH) or as
query string (GET, DELETE). The JSON answer (``null`` for an empty body) becomes
the result of the service task. Every call carries ``Idempotency-Key`` (the job
id): a worker that died after the call but before its commit repeats the call
with the same key. Non-2xx answers, timeouts, refused connections and non-JSON
answers raise :class:`ConnectorError`; the worker retries and finally opens an
incident.
"""

from __future__ import annotations

import json
import string
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from engine.connectors.config import ConnectorConfig, Endpoint

_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH"}


class ConnectorError(Exception):
    """A call to a specialist system failed."""


@dataclass(frozen=True)
class CallResult:
    """The answer of a call plus a summary for the audit log."""

    result: Any
    summary: dict[str, Any]


class ConnectorOperation:
    """Registry entry of a configured connector operation.

    The service registry maps operation names to callables; connector operations
    need the authority to choose the endpoint, so the worker recognises this
    entry and calls :meth:`call` instead.
    """

    def __init__(self, name: str, config: ConnectorConfig):
        self.name = name
        self.config = config

    def __call__(self, **params: Any) -> Any:
        raise ConnectorError(f"operation '{self.name}' is a connector operation; it is called by the worker")

    def call(self, authority_slug: str | None, params: dict[str, Any], idempotency_key: str) -> CallResult:
        """Call the operation's endpoint for the authority."""
        return call_endpoint(self.config.endpoint(authority_slug, self.name), self.name, params, idempotency_key)


def register_connectors(registry, config: ConnectorConfig) -> None:
    """Register every configured connector operation in a ``ServiceRegistry``."""
    for name in sorted(config.operations()):
        registry.register(name, ConnectorOperation(name, config))


def call_endpoint(endpoint: Endpoint, operation: str, params: dict[str, Any], idempotency_key: str) -> CallResult:
    """Send one request and return the decoded JSON answer.

    Raises:
        ConnectorError: the call failed (network, timeout, HTTP status >= 300, not JSON).
    """
    path_fields = {name for _, name, _, _ in string.Formatter().parse(endpoint.path) if name}
    missing = path_fields - set(params)
    if missing:
        raise ConnectorError(f"operation '{operation}': path parameters missing: {', '.join(sorted(missing))}")
    path = endpoint.path.format(**{k: urllib.parse.quote(str(params[k]), safe="") for k in path_fields})
    rest = {k: v for k, v in params.items() if k not in path_fields}
    url, body = endpoint.url + path, None
    if endpoint.method in _BODY_METHODS:
        body = json.dumps(rest).encode("utf-8")
    elif rest:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(rest)
    headers = {"Accept": "application/json", "Idempotency-Key": idempotency_key, **endpoint.resolved_headers()}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method=endpoint.method)
    summary: dict[str, Any] = {"operation": operation, "method": endpoint.method, "url": _without_query(url),
                               "request": params}
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout) as response:  # noqa: S310 - configured URL
            status, raw = response.status, response.read(_MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        raise ConnectorError(f"operation '{operation}': {endpoint.method} {summary['url']} answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectorError(f"operation '{operation}': {endpoint.method} {summary['url']} failed: {reason}") from exc
    if len(raw) > _MAX_RESPONSE_BYTES:
        raise ConnectorError(f"operation '{operation}': answer larger than {_MAX_RESPONSE_BYTES} bytes")
    try:
        result = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise ConnectorError(f"operation '{operation}': answer is not JSON: {exc}") from exc
    summary.update(status=status, response=result)
    return CallResult(result, summary)


def _without_query(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""),
                                    parts.path, "", ""))
