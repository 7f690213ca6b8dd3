"""Residents' register simulator (Melderegister): a person by name and birth date.

``POST /personen/suche {"family_name": "Müller", "given_names": "Erika",
"birth_date": "1978-04-12"}`` (or GET with the same query parameters) answers
the registered main residence, or ``{"found": false}``.
"""

from __future__ import annotations

import unicodedata
from datetime import date

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


def create(api_key: str) -> Simulator:
    """Create the residents' register simulator."""
    return Simulator("melderegister", "Melderegister", api_key, {
        ("POST", "/personen/suche"): find_person,
        ("GET", "/personen/suche"): find_person,
    })
