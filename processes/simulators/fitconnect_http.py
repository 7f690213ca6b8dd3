"""HTTP helpers of the FIT-Connect Zustelldienst simulator: problems (RFC 7807), JSON bodies, paging."""

from __future__ import annotations

import base64
import json

from werkzeug.wrappers import Request, Response

PROBLEM = "https://schema.fitko.de/fit-connect/submission-api/problems/"


class Failure(Exception):
    """An answer other than success (RFC 7807 problem)."""

    def __init__(self, status: int, kind: str, detail: str):
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


def body_of(request: Request) -> dict:
    """The request's JSON object, or a 400 problem."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Failure(400, "invalid-request", "send a JSON object")
    return body


def page_of(request: Request) -> tuple[int, int]:
    """``offset`` and ``limit`` (at most 500, as the Submission API allows) of a list request."""
    try:
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 100))
    except ValueError:
        raise Failure(400, "invalid-request", "offset and limit must be numbers") from None
    if offset < 0 or not 1 <= limit <= 500:
        raise Failure(400, "invalid-request", "offset must be >= 0 and limit 1 to 500")
    return offset, limit


def flip(token: str) -> str:
    """Change one byte of a compact JWE's ciphertext (its fourth part), keeping the format."""
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pad(parts[3])))
    raw[len(raw) // 2] ^= 0x01
    parts[3] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode("ascii")
    return ".".join(parts)


def pad(text: str) -> str:
    """Base64url text with its padding restored."""
    return text + "=" * (-len(text) % 4)


def json_response(body, status: int = 200, mimetype: str = "application/json") -> Response:
    """A JSON answer (UTF-8, no ASCII escaping)."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)
