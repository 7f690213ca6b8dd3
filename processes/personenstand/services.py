"""Built-in steps of birth and marriage registration: register entries, certificates, letters.

Each is a case operation (see engine/registry.py and processes/notices.py): it
runs in the transaction of the step that called it. The register number is
reserved with the E-Akte's counter (one atomic upsert per authority, register
and year), so two registrars working at the same moment never get the same
number, and a step that rolls back takes its number back unseen.
Notifications to the residents' registration office and to statistics are not
here: they go through the generic HTTP connector.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from eakte.aktenzeichen import next_number
from engine.models import Authority
from engine.registry import CaseCall, CaseOperation, ServiceRegistry
from processes.notices import CaseFileSteps

REGISTER_TIMEZONE = ZoneInfo("Europe/Berlin")
REGISTERS = {"G": "Geburtenregister", "E": "Eheregister"}
"""Register prefix -> register (§ 3 PStG); the number reads ``G 123/2026``."""

HINWEIS_KEIN_VA = "Dieses Schreiben ist kein Verwaltungsakt."


def register(registry: ServiceRegistry, steps: CaseFileSteps) -> None:
    """Register the civil status procedures' built-in steps."""
    registry.register("geburt.beurkunden", CaseOperation(enter_birth))
    registry.register("geburt.urkunde", CaseOperation(lambda call: _birth_certificate(steps, call)))
    registry.register("eheschliessung.nachforderung", CaseOperation(lambda call, **p: _request(steps, call, **p)))
    registry.register("eheschliessung.einstellung", CaseOperation(lambda call: _discontinue(steps, call)))
    registry.register("eheschliessung.termin", CaseOperation(lambda call, **p: _appointment(steps, call, **p)))
    registry.register("eheschliessung.beurkunden", CaseOperation(enter_marriage))
    registry.register("eheschliessung.urkunde", CaseOperation(lambda call: _marriage_certificate(steps, call)))


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


def _full_name(person: dict) -> str:
    return " ".join(part for part in (person.get("given_names"), person.get("family_name")) if part)


def _born(person: dict) -> str:
    birth = date.fromisoformat(person["birth_date"]).strftime("%d.%m.%Y")
    return f"geboren am {birth}" + (f" in {person['birth_place']}" if person.get("birth_place") else "")


def _birth_certificate(steps: CaseFileSteps, call: CaseCall) -> dict:
    entry = call.case.data["beurkundung"]
    child, *parents = entry["personen"]
    entries = [("Registernummer", entry["registernummer"]), ("Familienname", child["family_name"]),
               ("Vornamen", child["given_names"]), ("Geschlecht", child["sex"]),
               ("Geburtstag", date.fromisoformat(child["birth_date"])), ("Geburtsort", child["birth_place"])]
    entries += [(parent["rolle"], _full_name(parent)) for parent in parents]
    return steps.issue(
        call, template="certificate.html", title="Geburtsurkunde", subject=f"Geburtsurkunde {_full_name(child)}",
        doc_type="Urkunde", context={"entries": entries, "issued_by": entry["standesamt"]},
    )


def _marriage_certificate(steps: CaseFileSteps, call: CaseCall) -> dict:
    entry = call.case.data["beurkundung"]
    spouses = entry["personen"]
    entries = [("Registernummer", entry["registernummer"]),
               ("Tag der Eheschließung", date.fromisoformat(entry["eheschliessung_am"])),
               ("Ort der Eheschließung", f"{entry['standesamt']}, {entry['trauort']}")]
    for spouse in spouses:
        entries += [(spouse["rolle"], _full_name(spouse)), (f"{spouse['rolle']}: Geburt", _born(spouse))]
    entries.append(("Ehename", entry.get("ehename") or "Keine Bestimmung, die Ehegatten führen ihre Namen fort"))
    names = " und ".join(_full_name(s) for s in spouses)
    return steps.issue(
        call, template="certificate.html", title="Eheurkunde", subject=f"Eheurkunde {names}", doc_type="Urkunde",
        context={"entries": entries, "issued_by": entry["standesamt"]},
    )


def _couple(data: dict) -> list[str]:
    partners = [data.get(f"partner_{n}") or {} for n in (1, 2)]
    address = partners[0].get("address") or {}
    street = " ".join(x for x in (address.get("street"), address.get("house_number")) if x)
    city = " ".join(x for x in (address.get("postal_code"), address.get("city")) if x)
    return [line for line in (*(_full_name(p) for p in partners), street, city) if line]


def _subject(data: dict) -> str:
    return "Anmeldung der Eheschließung " + " und ".join(_full_name(data.get(f"partner_{n}") or {}) for n in (1, 2))


def _request(steps: CaseFileSteps, call: CaseCall, fehlende_unterlagen: str, frist_tage: int) -> dict:
    data = call.case.data
    until = call.now.astimezone(REGISTER_TIMEZONE) + timedelta(days=int(frist_tage))
    result = steps.issue(
        call, template="notice.html", title="Nachforderung von Unterlagen",
        subject=f"Nachforderung: {_subject(data)}",
        doc_type="Anfrage",
        context={"addressee": _couple(data), "subject": _subject(data),
                 "decision": (f"Für die Anmeldung Ihrer Eheschließung fehlen noch Unterlagen. Bitte reichen Sie "
                              f"bis zum {until:%d.%m.%Y} nach:\n\n{fehlende_unterlagen}"),
                 "reasons": ("Das Standesamt prüft vor der Eheschließung, ob ihr ein Hindernis entgegensteht "
                             "(§ 13 PStG). Dazu sind die genannten Nachweise erforderlich. Gehen sie nicht "
                             "fristgerecht ein, wird die Anmeldung nicht weiter bearbeitet."),
                 "legal_remedy": HINWEIS_KEIN_VA, "signer": _registry_office(call)},
    )
    return {**result, "frist": f"P{int(frist_tage)}D", "frist_bis": until.date().isoformat()}


def _discontinue(steps: CaseFileSteps, call: CaseCall) -> dict:
    data = call.case.data
    return steps.issue(
        call, template="notice.html", title="Einstellung des Anmeldeverfahrens",
        subject=f"Einstellung: {_subject(data)}",
        doc_type="Nachricht",
        context={"addressee": _couple(data), "subject": _subject(data),
                 "decision": "Die Anmeldung Ihrer Eheschließung wird nicht weiter bearbeitet.",
                 "reasons": ("Die nachgeforderten Unterlagen sind nicht innerhalb der gesetzten Frist "
                             f"({data.get('nachforderung', {}).get('frist_bis', 'siehe Nachforderung')}) "
                             "eingegangen."),
                 "legal_remedy": f"{HINWEIS_KEIN_VA} Sie können die Eheschließung jederzeit erneut anmelden.",
                 "signer": _registry_office(call)},
    )


def _appointment(steps: CaseFileSteps, call: CaseCall, trautermin: str, uhrzeit: str, trauort: str) -> dict:
    begins = datetime.combine(date.fromisoformat(trautermin), time.fromisoformat(uhrzeit), REGISTER_TIMEZONE)
    data = call.case.data
    letter = steps.issue(
        call, template="notice.html", title="Bestätigung des Trautermins",
        subject=f"Terminbestätigung: {_subject(data)}",
        doc_type="Nachricht",
        context={"addressee": _couple(data), "subject": _subject(data),
                 "decision": (f"Ihre Eheschließung findet am {begins:%d.%m.%Y} um {begins:%H:%M} Uhr statt. "
                              f"Ort: {trauort}."),
                 "reasons": ("Ihre Unterlagen sind vollständig; der Eheschließung steht nach unserer Prüfung kein "
                             "Hindernis entgegen. Bitte bringen Sie Ihre gültigen Ausweisdokumente mit."),
                 "legal_remedy": HINWEIS_KEIN_VA, "signer": _registry_office(call)},
    )
    return {"beginn": begins.isoformat(), "datum": begins.date().isoformat(), "uhrzeit": uhrzeit,
            "trauort": trauort, "dokument_id": letter["dokument_id"]}
