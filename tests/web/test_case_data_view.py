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
