"""Statistics office simulator (Statistisches Amt M-V): accepts birth and marriage notifications.

``POST /meldungen {"kind": "birth", "event_date": "2026-02-14",
"registry_office": "Standesamt Schwerin", "register_number": "G 123/2026"}``
answers 201 with a receipt number such as ``StaLa-MV-2026-000001``.
"""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timezone

from processes.simulators.service import BadRequest, Simulator, require

KINDS = {"birth": "Geburt", "marriage": "Eheschließung"}


class Statistics:
    """Numbers the notifications it receives."""

    def __init__(self):
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def notify(self, params: dict) -> tuple[int, dict]:
        """Accept one notification and answer its receipt number."""
        kind, event_date, office = require(params, "kind", "event_date", "registry_office")
        if kind not in KINDS:
            raise BadRequest(f"kind must be one of {', '.join(KINDS)}")
        try:
            event = date.fromisoformat(event_date)
        except ValueError as exc:
            raise BadRequest("event_date must be a date like 2026-02-14") from exc
        with self._lock:
            number = f"StaLa-MV-{event.year}-{next(self._numbers):06d}"
        return 201, {"receipt_number": number, "kind": KINDS[kind], "registry_office": office,
                     "received_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def create(api_key: str) -> Simulator:
    """Create the statistics office simulator."""
    statistics = Statistics()
    return Simulator("statistik", "Statistisches Amt Mecklenburg-Vorpommern", api_key, {
        ("POST", "/meldungen"): statistics.notify,
    })
