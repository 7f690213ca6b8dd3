"""Built-in steps of birth and marriage registration: the entries in the birth and marriage registers.

Each is a case operation (see engine/registry.py and processes/notices.py): it
runs in the transaction of the step that called it. The register number is
reserved with the E-Akte's counter (one atomic upsert per authority, register
and year), so two registrars working at the same moment never get the same
number, and a step that rolls back takes its number back unseen.
Certificates and letters are templates in the procedures' packages
(bpmn/geburt, bpmn/eheschliessung, rendered by ``eakte.dokument``);
notifications to the residents' registration office and to statistics go
through the generic HTTP connector.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from eakte.aktenzeichen import next_number
from engine.models import Authority
from engine.registry import CaseCall, CaseOperation, ServiceRegistry

REGISTER_TIMEZONE = ZoneInfo("Europe/Berlin")
REGISTERS = {"G": "Geburtenregister", "E": "Eheregister"}
"""Register prefix -> register (§ 3 PStG); the number reads ``G 123/2026``."""


def register(registry: ServiceRegistry) -> None:
    """Register the civil status procedures' built-in steps."""
    registry.register("geburt.beurkunden", CaseOperation(enter_birth))
    registry.register("eheschliessung.beurkunden", CaseOperation(enter_marriage))


def register_number(call: CaseCall, prefix: str) -> str:
    """Reserve the next number of the authority's register for the current (German) year.

    Args:
        call: The calling case step; the number is reserved in its transaction.
        prefix: ``G`` (births) or ``E`` (marriages).

    Returns:
        The register number, e.g. ``G 123/2026``.
    """
    if prefix not in REGISTERS:
        raise ValueError(f"unknown register '{prefix}' (known: {', '.join(REGISTERS)})")
    year = call.now.astimezone(REGISTER_TIMEZONE).year
    number = next_number(call.session, call.case.authority_id, f"{prefix}-REGISTER", year)
    return f"{prefix} {number}/{year}"


def enter_birth(call: CaseCall) -> dict:
    """Enter the birth in the birth register (Beurkundung) with the determined names.

    Returns:
        The entry: register number, date, registry office and the persons entered
        (child, mother and, if entered, father), as the certificate and the
        notifications need them.
    """
    data = call.case.data
    child = data["kind"]
    persons = [{"rolle": "Kind", "family_name": data["familienname"], "given_names": " ".join(data["vornamen"]),
                "sex": child["sex"], "birth_date": child["birth_date"], "birth_place": child["birth_place"]},
               {"rolle": "Mutter", **_person(data["mutter"])}]
    if data.get("vater_eintragen"):
        persons.append({"rolle": "Vater", **_person(data["vater"])})
    return _entry(call, "G", persons)


def enter_marriage(call: CaseCall) -> dict:
    """Enter the marriage in the marriage register with both spouses and the married name, if one was chosen."""
    data = call.case.data
    persons = [{"rolle": f"Ehegatte {n}", **_person(data[f"partner_{n}"])} for n in (1, 2)]
    entry = _entry(call, "E", persons)
    return {**entry, "ehename": data.get("ehename") or None, "trauort": data["termin"]["trauort"],
            "eheschliessung_am": data["termin"]["datum"]}


def _entry(call: CaseCall, prefix: str, persons: list[dict]) -> dict:
    return {"registernummer": register_number(call, prefix), "register": REGISTERS[prefix],
            "beurkundet_am": call.now.astimezone(REGISTER_TIMEZONE).date().isoformat(),
            "standesamt": _registry_office(call), "personen": persons}


def _person(person: dict) -> dict:
    return {key: person[key] for key in ("family_name", "given_names", "birth_date", "birth_place") if person.get(key)}


def _registry_office(call: CaseCall) -> str:
    return f"Standesamt {call.session.get(Authority, call.case.authority_id).name}"
