"""Registering an intended marriage in the portal (a form without JavaScript, errors next to each field)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, session, url_for

from processes.fitconnect.datasets import DataSetInvalid
from processes.portal.applications import offices_for, register_marriage
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.portal.common import ATTRIBUTES, applicant, applicant_required, bp

PERSON_FIELDS = (  # key, label, maximum length, the label as the object of "Bitte geben Sie … an"
    ("familienname", "Familienname", 120, "den Familiennamen"), ("vornamen", "Vornamen", 200, "die Vornamen"),
    ("geburtsdatum", "Geburtsdatum", 10, "das Geburtsdatum"), ("geburtsort", "Geburtsort", 120, "den Geburtsort"),
    ("strasse", "Straße und Hausnummer", 200, "Straße und Hausnummer"), ("plz", "Postleitzahl", 5, "die Postleitzahl"),
    ("ort", "Wohnort", 120, "den Wohnort"),
)


@bp.route("/eheschliessung", methods=["GET", "POST"])
@applicant_required
def marriage():
    """Show the form, or check it and start the registration at the chosen registry office."""
    offices = offices_for(get_session(), "eheschliessung")
    if request.method == "GET":
        return _form(offices, _prefilled(), {})
    values = {key: request.form.get(key, "").strip() for key in _field_names()}
    errors = _check(values, {o.slug for o in offices})
    if errors:
        return _form(offices, values, errors, 422)
    try:
        receipt = register_marriage(get_session(), engine_context(), document_store(), applicant(),
                                    values["standesamt"], _data_set(values), engine_context().clock())
    except DataSetInvalid as exc:
        problems = "; ".join(d["message"] for d in exc.details[:5])
        return _form(offices, values, {"standesamt": f"Die Angaben sind unvollständig: {problems}"}, 422)
    flash(f"Ihre Anmeldung ist eingegangen. Ihr Aktenzeichen lautet {receipt.aktenzeichen}.", "success")
    return redirect(url_for("portal.case", case_id=receipt.case.id), code=303)


def _form(offices, values: dict, errors: dict, status: int = 200):
    partners = [(n, [(f"p{n}_{key}", label) for key, label, _, _ in PERSON_FIELDS]) for n in (1, 2)]
    return render_template("portal/marriage.html", title="Eheschließung anmelden", offices=offices, values=values,
                           errors=errors, partners=partners), status


def _field_names() -> list[str]:
    return ["standesamt"] + [f"p{n}_{key}" for n in (1, 2) for key, _, _, _ in PERSON_FIELDS]


def _prefilled() -> dict:
    """Partner 1 is the signed-in applicant: what the eID broker told about them."""
    attributes = session.get(ATTRIBUTES) or {}
    address = attributes.get("address") or {}
    return {"p1_familienname": attributes.get("family_name", ""), "p1_vornamen": attributes.get("given_name", ""),
            "p1_geburtsdatum": attributes.get("birthdate", ""), "p1_geburtsort": attributes.get("place_of_birth", ""),
            "p1_strasse": address.get("street_address", ""), "p1_plz": address.get("postal_code", ""),
            "p1_ort": address.get("locality", "")}


def _check(values: dict, offices: set[str]) -> dict:
    errors = {}
    if values["standesamt"] not in offices:
        errors["standesamt"] = "Bitte wählen Sie das Standesamt aus."
    for n in (1, 2):
        who = "der ersten Person" if n == 1 else "der zweiten Person"
        for key, label, length, object_ in PERSON_FIELDS:
            name, value = f"p{n}_{key}", values[f"p{n}_{key}"]
            if not value:
                errors[name] = f"Bitte geben Sie {object_} {who} an."
            elif len(value) > length:
                errors[name] = f"{label} darf höchstens {length} Zeichen lang sein."
        born = values[f"p{n}_geburtsdatum"]
        if born and f"p{n}_geburtsdatum" not in errors:
            try:
                day = date.fromisoformat(born)
                if day >= date.today():
                    errors[f"p{n}_geburtsdatum"] = "Das Geburtsdatum muss in der Vergangenheit liegen."
            except ValueError:
                errors[f"p{n}_geburtsdatum"] = "Bitte geben Sie das Geburtsdatum als Datum an, zum Beispiel 23.01.1992."
        if values[f"p{n}_plz"] and not (values[f"p{n}_plz"].isdigit() and len(values[f"p{n}_plz"]) == 5):
            errors[f"p{n}_plz"] = "Die Postleitzahl hat fünf Ziffern."
    return errors


def _data_set(values: dict) -> dict:
    def partner(n: int) -> dict:
        v = {key: values[f"p{n}_{key}"] for key, _, _, _ in PERSON_FIELDS}
        return {"family_name": v["familienname"], "given_names": v["vornamen"], "birth_date": v["geburtsdatum"],
                "birth_place": v["geburtsort"],
                "address": {"street": v["strasse"], "postal_code": v["plz"], "city": v["ort"]}}

    return {"partner_1": partner(1), "partner_2": partner(2)}
