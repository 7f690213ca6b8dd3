"""Checking submissions against a form: only fields that apply, paths into nested data and rows, German messages."""

import pytest

from engine.errors import InvalidData
from engine.forms import check_submission, validate_task_data
from engine.forms.formjs import read_form_js
from engine.forms.json_schema import read_json_schema
from processes.baugenehmigung import forms as bau
from processes.personenstand import forms as pstand
from tests.engine.forms.helpers import form_definition


def problems(form, data) -> dict[str, str]:
    return {p.path: p.german for p in check_submission(form, data)[1]}


def test_dependent_json_schema_fields_apply_only_in_their_branch():
    form = read_json_schema(bau.VOLLSTAENDIGKEIT_PRUEFEN)
    reduced, found = check_submission(form, {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 250000,
                                             "fehlende_unterlagen": "Statik", "frist_tage": 14})
    assert found == [] and reduced == {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 250000}
    assert problems(form, {"vollstaendig": False, "rohbausumme": -1}) == {
        "fehlende_unterlagen": "Dieses Feld ist ein Pflichtfeld.", "frist_tage": "Dieses Feld ist ein Pflichtfeld."}


def test_paths_reach_into_rows_and_nested_objects():
    names = read_json_schema(pstand.NAMEN_BESTIMMEN)
    assert problems(names, {"vornamen": ["Lena", "M4rie"], "familienname": "Müller",
                            "namensgrundlage": pstand.NAMENSGRUNDLAGEN[0]}) == {
        "vornamen.1": "Der Wert hat nicht das verlangte Format."}
    assert problems(names, {"vornamen": [], "familienname": "Müller", "namensgrundlage": pstand.NAMENSGRUNDLAGEN[0]}) \
        == {"vornamen": "Bitte mindestens eine Zeile ausfüllen."}
    start = read_form_js(form_definition("antrag-start.form"))
    assert problems(start, {"antragsteller": "E", "anschrift": {"strasse": "Markt 1", "plz": "123"},
                            "email": "keine-adresse"}) == {
        "antragsteller": "Bitte mindestens 2 Zeichen eingeben.", "anschrift.plz": "Bitte fünf Ziffern eingeben.",
        "anschrift.ort": "Dieses Feld ist ein Pflichtfeld.",
        "email": "Bitte eine gültige E-Mail-Adresse eingeben (z. B. name@example.de)."}


def test_form_js_conditions_and_rows():
    form = read_form_js(form_definition("antrag-pruefung.form"))
    base = {"nachweise": ["lageplan"], "gebuehr": 10, "auflagen": []}
    assert problems(form, {**base, "entscheidung": "abgelehnt"}) == {"begruendung": "Dieses Feld ist ein Pflichtfeld."}
    reduced, found = check_submission(form, {**base, "entscheidung": "genehmigt", "begruendung": "egal",
                                             "altes_aktenzeichen": "überschrieben?"})
    assert found == [] and "begruendung" not in reduced and "altes_aktenzeichen" not in reduced
    assert problems(form, {**base, "entscheidung": "genehmigt", "nachweise": [], "gebuehr": -1,
                           "auflagen": [{"text": "ok"}, {"erfuellt": True}]}) == {
        "nachweise": "Bitte mindestens 1 Eintrag wählen.", "gebuehr": "Der Wert muss mindestens 0 € sein.",
        "auflagen.1.text": "Dieses Feld ist ein Pflichtfeld."}


def test_validate_task_data_raises_english_messages_per_path_for_the_api():
    with pytest.raises(InvalidData) as info:
        validate_task_data({"vornamen": ["Lena2"]}, read_json_schema(pstand.NAMEN_BESTIMMEN))
    assert set(info.value.details["fields"]) == {"vornamen.0", "familienname", "namensgrundlage"}
    assert "does not match" in info.value.details["fields"]["vornamen.0"][0]
