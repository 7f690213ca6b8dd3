"""Access logs without secrets: delivery link tokens and other tokens in a path or query are replaced.

Only the hash of a delivery link's token is stored, so the access log must not
keep the token either. Both servers' access logs are filtered:

* gunicorn (``aktenfluss serve``): :class:`RedactingGunicornLogger` rewrites the
  request line, path, query and referrer before the access log line is formatted;
* werkzeug (``aktenfluss demo``, development servers): a filter on the
  ``werkzeug`` logger rewrites each request line.

What counts as a secret: the path segment after a prefix in :data:`SECRET_PATH_PREFIXES`,
any path segment that looks like a random token (32 or more letters, digits, ``-``
or ``_``, with letters and digits, and not a UUID), and the values of query
parameters named in :data:`SECRET_QUERY_KEYS`.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, urlsplit

from flask import Flask
from gunicorn.glogging import Logger

REDACTED = "[redacted]"
SECRET_PATH_PREFIXES = ("/api/v1/delivery/",)
"""Paths whose next segment is a secret (the delivery link's token)."""
SECRET_QUERY_KEYS = frozenset({
    "token", "access_token", "id_token", "refresh_token", "code", "state", "password", "passwort", "secret",
    "key", "signature", "sig", "session",
})
_TOKEN_SEGMENT = re.compile(r"^(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TARGET_IN_TEXT = re.compile(r"(?:https?://[^\s\"'/]+)?/[^\s\"']*")


def redact_target(target: str) -> str:
    """Return a request target (path and query, or a URL) with its secrets replaced."""
    parts = urlsplit(target)
    segments = parts.path.split("/")
    for index, segment in enumerate(segments):
        before = "/".join(segments[:index]) + "/"
        if any(before.endswith(prefix) for prefix in SECRET_PATH_PREFIXES) and segment:
            segments[index] = REDACTED
        elif _TOKEN_SEGMENT.match(segment) and not _UUID.match(segment):
            segments[index] = REDACTED
    path = "/".join(segments)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in SECRET_QUERY_KEYS or _TOKEN_SEGMENT.match(value) for key, value in pairs):
            query = "&".join(
                f"{quote(key, safe='')}="
                + (REDACTED if key.lower() in SECRET_QUERY_KEYS or _TOKEN_SEGMENT.match(value) else quote(value, safe=''))
                for key, value in pairs)
    prefix = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    return prefix + path + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def redact_text(text: str) -> str:
    """Replace the secrets in every request target or URL inside ``text`` (a log line)."""
    return _TARGET_IN_TEXT.sub(lambda match: redact_target(match.group(0)), text)


class RedactingGunicornLogger(Logger):
    """gunicorn's logger, with secrets removed from the access log's request line, path, query and referrer."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001 - gunicorn's signature
        """Return gunicorn's access log atoms with every URL redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and (key in ("r", "U", "q", "f") or key.startswith("{")):
                atoms[key] = redact_text(value) if key != "q" else redact_target(f"/?{value}")[2:]
        return atoms


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER = _RedactingFilter()


def init_app(app: Flask) -> None:
    """Filter the werkzeug server's request log (the development and demo server)."""
    werkzeug_logger = logging.getLogger("werkzeug")
    if _FILTER not in werkzeug_logger.filters:
        werkzeug_logger.addFilter(_FILTER)
