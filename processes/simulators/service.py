"""The common shape of a specialist-system simulator: a small JSON service.

Each simulator is a WSGI app with a few routes. Every request needs the
configured API key in ``X-API-Key`` (401 otherwise), so the connector's
credential handling is exercised. ``POST /_control`` switches the failure
mode for tests and demos::

    {"mode": "ok" | "error" | "down" | "slow", "count": 2, "delay": 15}

``error`` answers 503 with a JSON body, ``down`` drops the connection without
an answer, ``slow`` waits ``delay`` seconds (default past the connector's
10-second timeout) before answering normally. With ``count`` the mode holds
for that many requests and then returns to ``ok``; without, until changed.
"""

from __future__ import annotations

import hmac
import json
import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

MODES = ("ok", "error", "down", "slow")
DEFAULT_SLOW_SECONDS = 15.0
API_KEY_HEADER = "X-API-Key"

Handler = Callable[[dict[str, Any]], tuple[int, Any]]


class BadRequest(Exception):
    """The caller's parameters are not usable; answered with 400."""


@dataclass
class FailureMode:
    """The current failure mode; thread-safe."""

    mode: str = "ok"
    remaining: int | None = None
    delay: float = DEFAULT_SLOW_SECONDS

    def __post_init__(self):
        self._lock = threading.Lock()

    def set(self, mode: str, count: int | None, delay: float | None) -> None:
        """Switch to ``mode`` for ``count`` requests (None: until changed)."""
        with self._lock:
            self.mode, self.remaining = mode, count
            self.delay = DEFAULT_SLOW_SECONDS if delay is None else delay

    def take(self) -> tuple[str, float]:
        """Return the mode for the next request and count it down."""
        with self._lock:
            mode, delay = self.mode, self.delay
            if self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    self.mode, self.remaining = "ok", None
            return mode, delay

    def snapshot(self) -> dict:
        """Return the state as JSON data."""
        with self._lock:
            return {"mode": self.mode, "count": self.remaining, "delay": self.delay}


class Simulator:
    """A JSON service with API-key check and failure modes."""

    def __init__(self, name: str, title: str, api_key: str, routes: dict[tuple[str, str], Handler]):
        self.name = name
        self.title = title
        self.failure = FailureMode()
        self._api_key = api_key.encode()
        self._handlers = {f"{method} {path}": handler for (method, path), handler in routes.items()}
        self._urls = Map([Rule(path, endpoint=f"{method} {path}", methods=[method]) for method, path in routes]
                         + [Rule("/_control", endpoint="control", methods=["GET", "POST"])])
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Wake any request that is sleeping in ``slow`` mode."""
        self._stopping.set()

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        supplied = request.headers.get(API_KEY_HEADER, "").encode()
        if not hmac.compare_digest(supplied, self._api_key):
            return _json(401, {"message": f"missing or wrong {API_KEY_HEADER} header"})
        try:
            endpoint, _ = self._urls.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return _json(405, {"message": f"{request.method} is not allowed here"})
        except (NotFound, HTTPException):
            return _json(404, {"message": f"no such resource: {request.path}"})
        if endpoint == "control":
            return self._control(request)
        mode, delay = self.failure.take()
        if mode == "error":
            return _json(503, {"message": f"{self.title} is temporarily unavailable (simulated)"})
        if mode == "down":
            _drop_connection(request)
            return Response(status=500)
        if mode == "slow" and self._stopping.wait(delay):
            return _json(503, {"message": "shutting down"})
        try:
            params = _params(request)
            status, body = self._handlers[endpoint](params)
        except BadRequest as exc:
            return _json(400, {"message": str(exc)})
        return _json(status, body)

    def _control(self, request: Request) -> Response:
        if request.method == "GET":
            return _json(200, self.failure.snapshot())
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("mode") not in MODES:
            return _json(400, {"message": f"send {{\"mode\": one of {', '.join(MODES)}, \"count\": N}}"})
        count, delay = body.get("count"), body.get("delay")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            return _json(400, {"message": "count must be a positive integer"})
        if delay is not None and (not isinstance(delay, (int, float)) or not 0 <= delay <= 600):
            return _json(400, {"message": "delay must be between 0 and 600 seconds"})
        self.failure.set(body["mode"], count, delay)
        return _json(200, self.failure.snapshot())


def require(params: dict[str, Any], *names: str) -> list[str]:
    """Return the named parameters as stripped strings, or raise BadRequest naming the missing ones."""
    values = [str(params.get(name) or "").strip() for name in names]
    missing = [name for name, value in zip(names, values) if not value]
    if missing:
        raise BadRequest(f"missing parameter(s): {', '.join(missing)}")
    return values


def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.args.items())
    if request.method in ("POST", "PUT", "PATCH") and request.content_length:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("send a JSON object")
        params.update(body)
    return params


def _drop_connection(request: Request) -> None:
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
