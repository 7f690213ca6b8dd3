"""Checking submissions against a form: only fields that apply, paths into nested data and rows, German messages."""

import pytest

from engine.errors import InvalidData
from engine.forms import check_submission, validate_task_data
from engine.forms.formjs import read_form_js
from engine.forms.json_schema import read_json_schema
from tests.engine.forms import json_schema_samples as samples
from tests.engine.forms.helpers import form_definition


def problems(form, data) -> dict[str, str]:
    return {p.path: p.german for p in check_submission(form, data)[1]}


def test_dependent_json_schema_fields_apply_only_in_their_branch():
    form = read_json_schema(samples.VOLLSTAENDIGKEIT_PRUEFEN)
    reduced, found = check_submission(form, {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 250000,
                                             "fehlende_unterlagen": "Statik", "frist_tage": 14})
    assert found == [] and reduced == {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 250000}
    assert problems(form, {"vollstaendig": False, "rohbausumme": -1}) == {
        "fehlende_unterlagen": "Dieses Feld ist ein Pflichtfeld.", "frist_tage": "Dieses Feld ist ein Pflichtfeld."}


def test_paths_reach_into_rows_and_nested_objects():
    names = read_json_schema(samples.NAMEN_BESTIMMEN)
    assert problems(names, {"vornamen": ["Lena", "M4rie"], "familienname": "Müller",
                            "namensgrundlage": "Ehename der Eltern (§ 1616 BGB)"}) == {
        "vornamen.1": "Der Wert hat nicht das verlangte Format."}
    assert problems(names, {"vornamen": [], "familienname": "Müller", "namensgrundlage": "Ehename der Eltern (§ 1616 BGB)"}) \
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
        validate_task_data({"vornamen": ["Lena2"]}, read_json_schema(samples.NAMEN_BESTIMMEN))
    assert set(info.value.details["fields"]) == {"vornamen.0", "familienname", "namensgrundlage"}
    assert "does not match" in info.value.details["fields"]["vornamen.0"][0]


def _form(*components):
    return read_form_js({"type": "default", "id": "f", "schemaVersion": 16, "components": list(components)})


def test_a_checkbox_left_out_counts_as_not_ticked_in_form_js_forms():
    form = _form({"type": "checkbox", "key": "vollstaendig", "label": "Vollständig"},
                 {"type": "textarea", "key": "fehlt", "label": "Fehlt", "validate": {"required": True},
                  "conditional": {"hide": "=vollstaendig"}})
    reduced, found = check_submission(form, {"fehlt": "Statik"})
    assert found == [] and reduced == {"vollstaendig": False, "fehlt": "Statik"}
    assert problems(form, {}) == {"fehlt": "Dieses Feld ist ein Pflichtfeld."}
    schema = read_json_schema({"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}})
    assert problems(schema, {}) == {"ok": "Dieses Feld ist ein Pflichtfeld."}  # JSON Schema: as it says


def test_groups_with_required_fields_are_required_unless_optional():
    group = {"type": "group", "path": "mutter", "label": "Mutter",
             "components": [{"type": "textfield", "key": "name", "label": "Name", "validate": {"required": True}}]}
    optional = {**group, "path": "vater", "label": "Vater", "properties": {"x-optional": "true"}}
    loose = {**group, "path": "notiz", "components": [{"type": "textfield", "key": "text", "label": "Text"}]}
    form = _form(group, optional, loose)
    assert problems(form, {}) == {"mutter": "Dieses Feld ist ein Pflichtfeld."}
    assert problems(form, {"mutter": {"name": "Erika"}, "vater": {}}) == {"vater.name": "Dieses Feld ist ein Pflichtfeld."}
    assert problems(form, {"mutter": {"name": "Erika"}}) == {}


def test_plain_lists_and_table_sources_of_form_js_forms():
    form = _form({"type": "table", "label": "Stellungnahmen", "dataSource": "=stellungnahmen",
                  "columns": [{"key": "behoerde", "label": "Stelle"}]},
                 {"type": "dynamiclist", "path": "vornamen", "label": "Vornamen",
                  "properties": {"x-plain": "true", "x-min-items": "1", "x-max-items": "2"},
                  "components": [{"type": "textfield", "key": "vorname", "label": "Vorname",
                                  "validate": {"required": True, "pattern": "^[A-Za-z]+$"}}]})
    reduced, found = check_submission(form, {"vornamen": ["Lena"], "stellungnahmen": [{"behoerde": "ersetzt"}]})
    assert found == [] and reduced == {"vornamen": ["Lena"]}  # the table's rows are context, never input
    assert problems(form, {"vornamen": ["Lena", "M4rie", "Anna"]}) == {
        "vornamen": "Bitte höchstens 2 Zeilen angeben.", "vornamen.1": "Der Wert hat nicht das verlangte Format."}
    assert problems(form, {"vornamen": []}) == {"vornamen": "Bitte mindestens eine Zeile ausfüllen."}
