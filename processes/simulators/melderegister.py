"""Residents' register simulator (Melderegister): a person by name and birth date.

``POST /personen/suche {"family_name": "Müller", "given_names": "Erika",
"birth_date": "1978-04-12"}`` (or GET with the same query parameters) answers
the registered main residence, or ``{"found": false}``.

``POST /mitteilungen {"kind": "birth", "register_number": "G 1/2026",
"event_date": "2026-02-14", "registry_office": "Standesamt Schwerin",
"persons": [...]}`` accepts a registry office's notification (§ 57 PStV:
birth or marriage changes the register) and answers 201 with a receipt
number; ``GET /mitteilungen?register_number=...`` lists what arrived.
"""

from __future__ import annotations

import itertools
import threading
import unicodedata
from datetime import date, datetime, timezone

from processes.simulators.service import BadRequest, Simulator, require

RESIDENTS = [
    {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-12", "birth_place": "Schwerin",
     "nationality": "deutsch", "address": {"street": "Schloßstraße 12", "postal_code": "19053", "city": "Schwerin"},
     "registered_since": "2009-08-01"},
    {"family_name": "Petersen", "given_names": "Jens", "birth_date": "1985-09-30", "birth_place": "Rostock",
     "nationality": "deutsch",
     "address": {"street": "Schweriner Straße 7", "postal_code": "19288", "city": "Ludwigslust"},
     "registered_since": "2015-03-15"},
    {"family_name": "Schulz", "given_names": "Anna Marie", "birth_date": "1992-01-23", "birth_place": "Wismar",
     "nationality": "deutsch",
     "address": {"street": "Mecklenburgstraße 40", "postal_code": "19053", "city": "Schwerin"},
     "registered_since": "2018-10-01"},
    {"family_name": "Yılmaz", "given_names": "Mehmet", "birth_date": "1989-11-02", "birth_place": "Hamburg",
     "nationality": "deutsch",
     "address": {"street": "Ziolkowskistraße 14", "postal_code": "19063", "city": "Schwerin"},
     "registered_since": "2012-05-20"},
    {"family_name": "Krüger", "given_names": "Sophie", "birth_date": "1995-06-17", "birth_place": "Parchim",
     "nationality": "deutsch", "address": {"street": "Lange Straße 22", "postal_code": "19370", "city": "Parchim"},
     "registered_since": "2020-02-01"},
]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def find_person(params: dict) -> tuple[int, dict]:
    """Answer one register lookup (exact family name and birth date; given names match by first name)."""
    family_name, given_names, birth_date = require(params, "family_name", "given_names", "birth_date")
    try:
        date.fromisoformat(birth_date)
    except ValueError as exc:
        raise BadRequest("birth_date must be a date like 1978-04-12") from exc
    first_given = _norm(given_names).split()[0]
    for resident in RESIDENTS:
        if (_norm(resident["family_name"]) == _norm(family_name) and resident["birth_date"] == birth_date
                and _norm(resident["given_names"]).split()[0] == first_given):
            return 200, {"found": True, "registration": "Hauptwohnung", **resident}
    return 200, {"found": False, "message": "keine Person mit diesen Angaben gemeldet"}


NOTIFICATION_KINDS = ("birth", "marriage")


class Notifications:
    """Keeps the registry offices' notifications it receives and numbers them."""

    def __init__(self):
        self._numbers = itertools.count(1)
        self._received: list[dict] = []
        self._lock = threading.Lock()

    def receive(self, params: dict) -> tuple[int, dict]:
        """Accept one notification and answer its receipt number."""
        kind, register_number, event_date, office = require(
            params, "kind", "register_number", "event_date", "registry_office")
        if kind not in NOTIFICATION_KINDS:
            raise BadRequest(f"kind must be one of {', '.join(NOTIFICATION_KINDS)}")
        try:
            event = date.fromisoformat(event_date)
        except ValueError as exc:
            raise BadRequest("event_date must be a date like 2026-02-14") from exc
        persons = params.get("persons")
        if not isinstance(persons, list) or not persons or not all(isinstance(p, dict) for p in persons):
            raise BadRequest("persons must be a non-empty list of objects")
        with self._lock:
            notification = {"receipt_number": f"MB-{event.year}-{next(self._numbers):06d}", "kind": kind,
                            "register_number": register_number, "event_date": event_date,
                            "registry_office": office, "persons": persons,
                            "received_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            self._received.append(notification)
        return 201, {"receipt_number": notification["receipt_number"], "received_at": notification["received_at"]}

    def listing(self, params: dict) -> tuple[int, dict]:
        """List the notifications about one register entry."""
        (register_number,) = require(params, "register_number")
        with self._lock:
            return 200, {"mitteilungen": [n for n in self._received if n["register_number"] == register_number]}


def create(api_key: str) -> Simulator:
    """Create the residents' register simulator."""
    notifications = Notifications()
    return Simulator("melderegister", "Melderegister", api_key, {
        ("POST", "/personen/suche"): find_person,
        ("GET", "/personen/suche"): find_person,
        ("POST", "/mitteilungen"): notifications.receive,
        ("GET", "/mitteilungen"): notifications.listing,
    })
