"""Both form formats read into one model: kinds, keys, rules, conditions; form-js refusals name type and key."""

import pytest

from engine.forms.formjs import FormDefinitionError, read_form_js
from engine.forms.json_schema import read_json_schema
from tests.engine.forms import json_schema_samples as samples
from tests.engine.forms.helpers import form_definition


def kinds(form) -> dict[str, str]:
    return {path: field.kind for path, field in form.walk() if path}


def test_form_js_components_become_fields():
    form = read_form_js(form_definition("antrag-pruefung.form"))
    assert form.form_id == "antrag-pruefung" and form.source == "form-js"
    assert kinds(form) == {
        "nachweise": "checklist", "entscheidung": "radio", "begruendung": "textarea",
        "gebuehr": "money", "frist": "date", "auflagen": "list", "auflagen.*.text": "textfield",
        "auflagen.*.erfuellt": "checkbox", "prioritaet": "select", "altes_aktenzeichen": "textfield",
    }
    fields = dict(form.walk())
    assert fields["gebuehr"].unit == "EUR" and fields["gebuehr"].minimum == 0 and fields["gebuehr"].required
    assert fields["begruendung"].condition.client() == {
        "op": "not", "item": {"op": "!=", "left": {"path": "entscheidung"}, "right": {"value": "abgelehnt"}}}
    assert fields["altes_aktenzeichen"].is_display and fields["prioritaet"].default == "normal"
    assert [f.kind for f in form.display_fields] == ["display_text", "table", "textfield", "separator", "display_html"]


def test_form_js_group_paths_nest_the_keys():
    form = read_form_js(form_definition("antrag-start.form"))
    assert kinds(form) == {"antragsteller": "textfield", "anschrift": "group", "anschrift.strasse": "textfield",
                           "anschrift.plz": "textfield", "anschrift.ort": "textfield", "email": "textfield"}
    assert dict(form.walk())["anschrift.plz"].pattern_message == "Bitte fünf Ziffern eingeben."


@pytest.mark.parametrize("component, pointer, fragment", [
    ({"type": "image", "id": "Field_1", "source": "x.png"}, "/components/0/type", "component 'image' is not supported"),
    ({"type": "filepicker", "key": "upload"}, "/components/0/type", "component 'filepicker' (key 'upload')"),
    ({"type": "textfield", "key": "name", "label": "Name", "appearance": {}, "foo": 1}, "/components/0/foo",
     "property 'foo' of component 'textfield' (key 'name')"),
    ({"type": "textfield", "key": "a", "conditional": {"hide": "=string length(a) > 3"}},
     "/components/0/conditional/hide", "string length(a) > 3"),
    ({"type": "select", "key": "a", "valuesKey": "optionen"}, "/components/0/valuesKey", "property 'valuesKey'"),
    ({"type": "textfield", "key": "a", "label": "=upper(name)"}, "/components/0/label", "is an expression"),
    ({"type": "textfield", "key": "a b"}, "/components/0/key", "needs a 'key'"),
    ({"type": "text", "text": "{{#loop items}}x{{/loop}}"}, "/components/0/text", "template"),
    ({"type": "datetime", "key": "d", "subtype": "date", "disallowPassedDates": True},
     "/components/0/disallowPassedDates", "disallowPassedDates"),
])
def test_form_js_refusals_name_component_and_pointer(component, pointer, fragment):
    with pytest.raises(FormDefinitionError) as info:
        read_form_js({"type": "default", "id": "f", "schemaVersion": 16, "components": [component]})
    found = {p.pointer: p.message for p in info.value.problems}
    assert pointer in found and fragment in found[pointer], found
    assert all(p.german for p in info.value.problems)


def test_form_js_needs_type_id_and_schema_version_4():
    with pytest.raises(FormDefinitionError) as info:
        read_form_js({"type": "custom", "schemaVersion": 3, "components": []})
    assert {p.pointer for p in info.value.problems} == {"/type", "/schemaVersion", "/id"}


def test_json_schema_constructs_become_fields():
    named = dict(read_json_schema(samples.NAMEN_BESTIMMEN).walk())
    assert named["vornamen"].kind == "list" and named["vornamen"].plain_list and named["vornamen"].max_items == 5
    assert named["namensgrundlage"].kind == "select"
    review = dict(read_json_schema(samples.ANZEIGE_PRUEFEN).walk())
    assert review["nachweise"].kind == "checklist" and len(review["nachweise"].options) == 6
    participation = dict(read_json_schema(samples.BETEILIGUNG_FESTLEGEN).walk())
    assert participation["beteiligungsfrist"].kind == "duration"
    assert participation["beteiligungsfrist"].duration_units == ("D",)
    check = dict(read_json_schema(samples.VOLLSTAENDIGKEIT_PRUEFEN).walk())
    assert check["rohbausumme"].kind == "money" and check["rohbausumme"].unit == "EUR"
    assert check["fehlende_unterlagen"].condition.holds(lambda path: {"vollstaendig": False} if path == "" else None)
    assert check["gebaeudeart"].condition.describe(lambda p: "Vollständig") == "„Vollständig“ angekreuzt ist"
    start = dict(read_json_schema(samples.BAUANTRAG_ERFASSEN).walk())
    assert start["antragsteller.address.postal_code"].kind == "textfield"
    assert start["antragsteller.type"].kind == "radio"
    assert [o.label for o in start["antragsteller.type"].options] == ["Privatperson", "Unternehmen oder Organisation"]
    marriage = dict(read_json_schema(samples.TERMIN_FESTLEGEN).walk())
    assert marriage["trautermin"].kind == "date" and marriage["uhrzeit"].kind == "time"


def test_json_schema_read_only_properties_are_context():
    decision = read_json_schema(samples.ENTSCHEIDEN)
    context = {f.key: f.kind for f in decision.display_fields}
    assert context == {"rueckgabe_begruendung": "textfield", "stellungnahmen": "table", "bebauungsplan": "group",
                       "gebuehr": "money", "tarifstelle": "textfield"}
    [table] = [f for f in decision.display_fields if f.kind == "table"]
    assert [c.label for c in table.columns] == ["Stelle", "Ergebnis", "Begründung", "Zustimmung durch Schweigen"]
    assert {path for path, f in decision.walk() if f.is_input} == {"entscheidung", "auflagen", "begruendung"}


def test_form_js_dynamic_list_and_time_options_are_honoured():
    form = read_form_js({"type": "default", "id": "f", "schemaVersion": 16, "components": [
        {"type": "dynamiclist", "path": "zeugen", "allowAddRemove": False, "defaultRepetitions": 2,
         "components": [{"type": "textfield", "key": "name", "label": "Name"}]},
        {"type": "datetime", "subtype": "datetime", "key": "termin", "dateLabel": "Termin",
         "timeSerializingFormat": "utc_offset"}]})
    fields = dict(form.walk())
    assert fields["zeugen"].fixed_rows and fields["zeugen"].initial_rows == 2
    assert fields["termin"].kind == "datetime" and fields["termin"].time_format == "utc_offset"


def _form(*components):
    return read_form_js({"type": "default", "id": "f", "schemaVersion": 16, "components": list(components)})


def test_form_js_custom_properties_say_what_form_js_cannot():
    form = _form(
        {"type": "textfield", "key": "frist", "label": "Frist", "properties": {"x-duration-units": "D,W"}},
        {"type": "group", "path": "vater", "label": "Vater", "description": "Nur wenn bekannt",
         "properties": {"x-optional": "true", "eigene": "bleibt ohne Wirkung"},
         "components": [{"type": "textfield", "key": "name", "label": "Name", "validate": {"required": True}}]},
        {"type": "dynamiclist", "path": "vornamen", "label": "Vornamen",
         "properties": {"x-plain": "true", "x-min-items": "1", "x-max-items": "5"},
         "components": [{"type": "textfield", "key": "vorname", "label": "Vorname"}]},
        {"type": "group", "path": "plan", "label": "Bebauungsplan", "components": [
            {"type": "textfield", "key": "name", "label": "Name", "readonly": True},
            {"type": "number", "key": "grz", "label": "GRZ", "readonly": True}]})
    fields = dict(form.walk())
    assert fields["frist"].kind == "duration" and fields["frist"].duration_units == ("D", "W")
    assert not fields["vater"].required and fields["vater"].description == "Nur wenn bekannt"
    names = fields["vornamen"]
    assert names.plain_list and (names.min_items, names.max_items) == (1, 5) and names.required
    assert fields["plan"].is_display and [f.key for f in form.display_fields] == ["plan"]


@pytest.mark.parametrize("component, fragment", [
    ({"type": "number", "key": "n", "properties": {"x-duration-units": "D"}}, "belongs on a textfield"),
    ({"type": "textfield", "key": "n", "properties": {"x-duration-units": "T"}}, "has a value it cannot have"),
    ({"type": "textfield", "key": "n", "properties": {"x-farbe": "rot"}}, "'x-farbe' of component 'textfield'"),
    ({"type": "group", "label": "G", "properties": {"x-optional": "true"},
      "components": [{"type": "textfield", "key": "a"}]}, "has a value it cannot have"),
    ({"type": "dynamiclist", "path": "l", "properties": {"x-plain": "true"}, "components": [
        {"type": "textfield", "key": "a"}, {"type": "textfield", "key": "b"}]}, "has a value it cannot have"),
    ({"type": "dynamiclist", "path": "l", "properties": {"x-max-items": "viele"},
      "components": [{"type": "textfield", "key": "a"}]}, "has a value it cannot have"),
    ({"type": "textfield", "key": "n", "properties": ["x-plain"]}, "must be an object"),
])
def test_form_js_custom_properties_are_refused_where_they_do_not_fit(component, fragment):
    with pytest.raises(FormDefinitionError) as info:
        _form(component)
    [found] = info.value.problems
    assert found.pointer.startswith("/components/0/properties") and fragment in found.message, found
    assert found.german
