"""Case data is shown with German labels and readable values, escaped."""

from __future__ import annotations

from web.ui.case_data_view import label, render_value


def test_known_keys_get_german_labels_and_others_lose_their_underscores():
    assert label("postal_code") == "Postleitzahl"
    assert label("flurstueck") == "Flurstück"
    assert label("neues_feld") == "neues feld"


def test_nested_objects_become_definition_lists_sorted_by_key():
    html = render_value({"name": "Erika Müller", "address": {"city": "Schwerin", "postal_code": "19053"}})

    assert html == ('<dl class="data nested"><dt>Anschrift</dt><dd><dl class="data nested"><dt>Ort</dt><dd>Schwerin</dd>'
                    '<dt>Postleitzahl</dt><dd>19053</dd></dl></dd><dt>Name</dt><dd>Erika Müller</dd></dl>')


def test_lists_of_values_are_joined_and_lists_of_objects_numbered():
    assert render_value(["A", "B"]) == "A, B"
    assert render_value([{"title": "Lageplan"}]) == '<ol><li><dl class="data nested"><dt>Titel</dt><dd>Lageplan</dd></dl></li></ol>'
    assert render_value([]) == "keine"
    assert render_value({}) == "–"


def test_scalars_read_as_german():
    assert render_value(None) == "–"
    assert render_value(True) == "ja" and render_value(False) == "nein"
    assert render_value(125000) == "125.000"
    assert render_value(0.4) == "0,4"
    assert render_value("2026-12-02") == "02.12.2026"
    assert render_value("2026-07-01T08:30:00+00:00") == "01.07.2026 10:30"  # shown in German local time
    assert render_value("2026-13-45") == "2026-13-45"  # not a date after all


def test_everything_is_escaped():
    assert render_value({"<b>": "<script>x</script>"}) == ('<dl class="data nested"><dt>&lt;b&gt;</dt>'
                                                          '<dd>&lt;script&gt;x&lt;/script&gt;</dd></dl>')


def test_labels_and_kinds_of_the_forms_win_and_technical_values_are_left_out():
    import json
    from pathlib import Path

    from engine.forms import data_labels
    from engine.forms.formjs import read_form_js
    from web.ui.case_data_view import render_case_data

    package = Path(__file__).resolve().parents[2] / "bpmn" / "baugenehmigung"
    labels = data_labels([read_form_js(json.loads((package / name).read_text(encoding="utf-8")))
                          for name in ("vollstaendigkeit_pruefen.form", "beteiligung_festlegen.form", "entscheiden.form")])
    html = render_case_data({
        "rohbausumme": 250000, "beteiligungsfrist": "P30D", "vollstaendig": True, "gebuehr": 2500.5,
        "begruendung": "Zeile 1\nZeile 2", "bescheid": {"dokument_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                                                        "sha256": "a" * 64, "art": "Genehmigung"},
        "stellungnahmen": [{"behoerde": "Gemeinde", "fiktion": True}],
    }, labels)
    assert "<dt>Rohbausumme</dt><dd>250.000,00 €</dd>" in html
    assert "<dt>Frist der Beteiligung</dt><dd>30 Tage</dd>" in html
    assert "<dt>Die Bauvorlagen sind vollständig</dt><dd>ja</dd>" in html
    assert "<dt>Gebühr nach der Gebührenordnung</dt><dd>2.500,50 €</dd>" in html
    assert "<dd>Zeile 1<br>Zeile 2</dd>" in html
    assert "<dt>Stelle</dt><dd>Gemeinde</dd>" in html and "<dt>Zustimmung durch Schweigen</dt><dd>ja</dd>" in html
    assert "0f8fad5b" not in html and "a" * 64 not in html and "<dt>Art</dt><dd>Genehmigung</dd>" in html


def test_chosen_values_are_shown_by_the_label_of_their_option():
    from engine.forms import data_labels
    from engine.forms.json_schema import read_json_schema

    form = read_json_schema({"type": "object", "properties": {
        "art": {"type": "string", "title": "Art", "x-widget": "radio",
                "oneOf": [{"const": "person", "title": "Privatperson"}, {"const": "org", "title": "Organisation"}]},
        "wege": {"type": "array", "title": "Wege", "uniqueItems": True,
                 "items": {"type": "string", "oneOf": [{"const": "post", "title": "per Post"},
                                                       {"const": "mail", "title": "per E-Mail"}]}},
    }})
    labels = data_labels([form])

    assert render_value("person", labels, "art") == "Privatperson"
    assert render_value(["mail", "post"], labels, "wege") == "per E-Mail, per Post"
    assert render_value("unbekannt", labels, "art") == "unbekannt"  # a value no option offers stays as it is


def test_codes_of_the_product_read_as_german_words():
    assert render_value({"channel": "paper"}) == ('<dl class="data nested"><dt>Eingangskanal</dt>'
                                                  '<dd>Papier (Post)</dd></dl>')
    assert render_value({"status": "received"}) == '<dl class="data nested"><dt>Status</dt><dd>eingegangen</dd></dl>'
    assert label("registered_since") == "Gemeldet seit" and label("meldedaten_mutter") == "Meldedaten der Mutter"
