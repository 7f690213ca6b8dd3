"""Helpers of the FIT-Connect Zustelldienst simulator: problems (RFC 7807), JSON bodies, paging, sealed parts."""

from __future__ import annotations

import base64
import json

from werkzeug.wrappers import Request

from processes.fitconnect.jose import JoseFailure, authentication_tag

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



def found(table: dict, key: str, kind: str) -> dict:
    """``table[key]``, or a 404 problem ``<kind>-not-found``."""
    item = table.get(key)
    if item is None:
        raise Failure(404, f"{kind}-not-found", f"no {kind} '{key}'")
    return item


def announced_attachments(body: dict) -> list[str]:
    """The ``announcedAttachments`` of an announcement (submission or reply), or a 400 problem."""
    announced = body.get("announcedAttachments") or []
    if not all(isinstance(a, str) for a in announced) or len(set(announced)) != len(announced):
        raise Failure(400, "invalid-request", "announcedAttachments must be distinct UUIDs")
    return announced


def tags_of(metadata: str, data: str | None, attachments: dict[str, str]) -> dict:
    """The authentication tags of a submission's or reply's JWEs, as the Zustelldienst's events name them."""
    tags = {"metadata": authentication_tag(metadata),
            "attachments": {a: authentication_tag(j) for a, j in attachments.items()}}
    if data:
        tags["data"] = authentication_tag(data)
    return tags


def sealed_tags(announced: list[str], attachments: dict[str, str], body: dict) -> dict:
    """Check that a submission or reply is complete (attachments uploaded, metadata sent); return its tags.

    Raises:
        Failure: 422 naming what is missing or not a JWE.
    """
    missing = [a for a in announced if a not in attachments]
    if missing:
        raise Failure(422, "missing-attachments", f"announced attachments not uploaded: {', '.join(missing)}")
    if not body.get("encryptedMetadata"):
        raise Failure(422, "missing-metadata", "encryptedMetadata is required")
    try:
        return tags_of(body["encryptedMetadata"], body.get("encryptedData"), attachments)
    except JoseFailure as exc:
        raise Failure(422, "invalid-jwe", str(exc)) from exc


def decoded_events(tokens: list[str]) -> list[dict]:
    """The claims of signed events (SETs), unverified: for the test hooks that show an event log."""
    return [json.loads(base64.urlsafe_b64decode(pad(t.split(".")[1]))) for t in tokens]
