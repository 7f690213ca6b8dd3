"""Citizen mailbox simulator (Bürgerpostfach, as in the BundID / OZG mailbox).

``POST /nachrichten {"empfaenger": "...", "betreff": "...", "text": "...", "links": [...]}``
stores a message and answers 201 with its number; ``GET /nachrichten?empfaenger=...``
lists what a recipient received (what the applicant would see in the portal).
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timezone

from processes.simulators.service import BadRequest, Simulator, require


class Mailbox:
    """Keeps the messages it receives, per recipient."""

    def __init__(self):
        self._numbers = itertools.count(1)
        self._messages: list[dict] = []
        self._lock = threading.Lock()

    def deliver(self, params: dict) -> tuple[int, dict]:
        """Store one message."""
        recipient, subject = require(params, "empfaenger", "betreff")
        links = params.get("links") or []
        if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
            raise BadRequest("links must be a list of URLs")
        with self._lock:
            message = {"nummer": next(self._numbers), "empfaenger": recipient, "betreff": subject,
                       "text": str(params.get("text") or ""), "links": links,
                       "eingegangen_am": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            self._messages.append(message)
        return 201, {"nummer": message["nummer"], "eingegangen_am": message["eingegangen_am"]}

    def inbox(self, params: dict) -> tuple[int, dict]:
        """List the messages of one recipient."""
        (recipient,) = require(params, "empfaenger")
        with self._lock:
            return 200, {"nachrichten": [m for m in self._messages if m["empfaenger"] == recipient]}


def create(api_key: str) -> Simulator:
    """Create the mailbox simulator."""
    mailbox = Mailbox()
    return Simulator("postfach", "Bürgerpostfach", api_key, {
        ("POST", "/nachrichten"): mailbox.deliver,
        ("GET", "/nachrichten"): mailbox.inbox,
    })
