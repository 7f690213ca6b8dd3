"""Task forms in the UI: every construct rendered, parsed and echoed back; rows added and removed without
JavaScript; dependent fields; German numbers, money and durations; read-only context from the case data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.db import transaction
from engine.models import Case, User
from processes import casework
from tests.conftest import unique_key
from tests.engine.forms.helpers import model_files
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user

CASE_DATA = {"antragsteller": "Erika <Mustermann>", "altes_aktenzeichen": "63.01-2025-000001",
             "stellungnahmen": [{"behoerde": "Brandschutzdienststelle", "ergebnis": "Zustimmung"}]}
SCHEMA = {
    "type": "object",
    "required": ["vornamen", "frist", "stellen"],
    "properties": {
        "stellungnahmen": {"type": "array", "readOnly": True, "title": "Stellungnahmen", "items": {
            "type": "object", "properties": {"behoerde": {"type": "string", "title": "Stelle"},
                                             "ergebnis": {"type": "string", "title": "Ergebnis"}}}},
        "gebuehr": {"type": "number", "readOnly": True, "x-unit": "EUR", "title": "Gebühr"},
        "vornamen": {"type": "array", "title": "Vornamen", "minItems": 1, "maxItems": 3,
                     "items": {"type": "string", "title": "Vorname", "minLength": 1, "pattern": "^[A-Za-zä]+$"}},
        "frist": {"type": "string", "format": "duration", "title": "Frist", "x-duration-units": ["D", "W", "M"]},
        "datum": {"type": "string", "format": "date", "title": "Eingangsdatum"},
        "anzahl": {"type": "integer", "title": "Anzahl", "minimum": -10},
        "stellen": {"type": "array", "title": "Beteiligte Stellen", "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "title": "Name der Stelle"},
                           "frist_tage": {"type": "integer", "title": "Frist in Tagen", "minimum": 1}}}},
    },
}


def _page(client, task_id: str) -> str:
    return client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)


def _submit(client, task_id: str, data: dict):
    return post_form(client, f"/ui/aufgaben/{task_id}/erledigen", data, page_url=f"/ui/aufgaben/{task_id}")


@pytest.fixture()
def formjs_task(app, client, authority, session_factory):
    """A claimed 'pruefen' task of the Camunda 8 fixture model (its forms deployed with it)."""
    clerk = ui_user(session_factory, authority, "sabine", roles=("clerk", "modeller"))
    key = unique_key("formjs")
    ctx = app.extensions["engine_context"]
    with transaction(session_factory) as session:
        user = session.get(User, clerk)
        casework.deploy(session, ctx, model_files("antrag_c8", key), user)
        case_id = casework.start_case(session, ctx, user, key, CASE_DATA, subject="Formulartest").id
    login(client, authority, "sabine")
    [task_id] = open_task_ids(session_factory, case_id)
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    return task_id, case_id


def test_form_js_task_shows_context_and_every_field(client, formjs_task):
    task_id, _ = formjs_task
    html = _page(client, task_id)
    assert "<h2>Antrag von Erika &lt;Mustermann&gt;</h2>" in html and "<em>vollständig</em>" in html
    assert "<caption>Bisherige Stellungnahmen</caption>" in html and ">Brandschutzdienststelle</td>" in html
    assert "<dt>Bisheriges Aktenzeichen</dt><dd>63.01-2025-000001</dd>" in html
    assert "<strong>Erika &lt;Mustermann&gt;</strong>" in html and "<script>alert" not in html
    assert '<legend class="kern-label">Vorgelegte Nachweise</legend>' in html
    assert 'id="feld-gebuehr" name="gebuehr"' in html and '<span class="form-adorner">€</span>' in html
    assert "Nur auszufüllen, wenn „Entscheidung“ „abgelehnt“ ist." in html
    assert 'data-zeigen-wenn="{&#34;op&#34;: &#34;not&#34;' in html
    assert '<input type="hidden" name="auflagen:zeilen" value="1">' in html
    assert '<option value="normal" selected>normal</option>' in html  # defaultValue
    assert 'type="date"' in html and "Datum im Format TT.MM.JJJJ" in html


def test_rows_are_added_and_removed_without_javascript_and_keep_every_value(client, formjs_task):
    task_id, _ = formjs_task
    typed = {"auflagen:zeilen": "1", "auflagen.0.text": "Stellplatz", "gebuehr": "250.000", "nachweise": "lageplan"}
    added = _submit(client, task_id, {**typed, "_aktion": "hinzufuegen:auflagen"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and '<input type="hidden" name="auflagen:zeilen" value="2">' in html
    assert 'name="auflagen.0.text"' in html and 'value="Stellplatz"' in html
    assert re.search(r'id="feld-auflagen-1-text" name="auflagen.1.text"[^>]*autofocus', html.replace("\n", " "))
    assert 'value="250.000"' in html and 'value="lageplan" checked' in html
    removed = _submit(client, task_id, {"auflagen:zeilen": "2", "auflagen.0.text": "Stellplatz",
                                        "auflagen.1.text": "Brandschutz", "auflagen.1.erfuellt": "on",
                                        "_aktion": "entfernen:auflagen:0"})
    html = removed.get_data(as_text=True)
    assert '<input type="hidden" name="auflagen:zeilen" value="1">' in html
    assert 'value="Brandschutz"' in html and 'value="Stellplatz"' not in html
    assert 'id="feld-auflagen-0-erfuellt" name="auflagen.0.erfuellt" checked' in html
    assert open_task_ids  # nothing was completed
    assert "Aufgabe „Antrag prüfen“ erledigt" not in html


def test_errors_keep_every_value_and_link_from_the_summary(client, formjs_task, session_factory):
    task_id, case_id = formjs_task
    bad = _submit(client, task_id, {"auflagen:zeilen": "2", "auflagen.0.text": "Stellplatz", "auflagen.1.erfuellt": "on",
                                    "gebuehr": "250.000", "entscheidung": "abgelehnt", "frist": "2026-13-45"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'value="250.000,00"' in html  # read, and echoed back formatted
    for target, message in [("feld-nachweise-0", "Vorgelegte Nachweise: Bitte mindestens 1 Eintrag wählen."),
                            ("feld-begruendung", "Begründung der Ablehnung: Dieses Feld ist ein Pflichtfeld."),
                            ("feld-frist", "Frist für Nachreichungen: Bitte ein gültiges Datum eingeben (TT.MM.JJJJ)."),
                            ("feld-auflagen-1-text", "Auflage: Dieses Feld ist ein Pflichtfeld.")]:
        assert f'<a class="kern-link" href="#{target}">{message}</a>' in html, message
    assert 'value="Stellplatz"' in html and 'id="feld-auflagen-1-erfuellt" name="auflagen.1.erfuellt" checked' in html
    assert 'value="abgelehnt" checked' in html and 'value="2026-13-45"' in html

    ambiguous = _submit(client, task_id, {"auflagen:zeilen": "1", "gebuehr": "1.5", "nachweise": "lageplan",
                                          "entscheidung": "genehmigt"})
    assert "Bitte schreiben Sie Nachkommastellen mit Komma" in ambiguous.get_data(as_text=True)

    ok = _submit(client, task_id, {"auflagen:zeilen": "2", "auflagen.0.text": "Stellplatz", "auflagen.1.text": "",
                                   "gebuehr": "1.234,56", "nachweise": ["lageplan", "baubeschreibung"],
                                   "entscheidung": "genehmigt", "begruendung": "bleibt nicht", "frist": "2026-03-01",
                                   "prioritaet": "eilig"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    with transaction(session_factory) as session:
        data = session.get(Case, case_id).data
    assert data["gebuehr"] == 1234.56 and data["nachweise"] == ["lageplan", "baubeschreibung"]
    assert data["auflagen"] == [{"text": "Stellplatz", "erfuellt": False}] and "begruendung" not in data
    assert data["frist"] == "2026-03-01" and data["prioritaet"] == "eilig"


@pytest.fixture()
def schema_task(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "sabine")
    key = new_key()
    [case_id] = deploy_and_start(app, session_factory, clerk, key)
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        case.data = {**case.data, "gebuehr": 250000, "stellungnahmen": CASE_DATA["stellungnahmen"]}
    app.extensions["engine_context"].forms.register(key, "pruefen", SCHEMA)
    login(client, authority, "sabine")
    [task_id] = open_task_ids(session_factory, case_id)
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    return task_id, case_id


def test_json_schema_task_plain_lists_durations_and_integers(client, schema_task, session_factory):
    task_id, case_id = schema_task
    html = _page(client, task_id)
    assert "<dt>Gebühr</dt><dd>250.000,00 €</dd>" in html and "<caption>Stellungnahmen</caption>" in html
    assert '<label class="kern-label" for="feld-vornamen-0">Vorname 1</label>' in html
    assert '<label class="visually-hidden" for="feld-frist-einheit">Einheit: Frist</label>' in html
    assert '<option value="W">Wochen</option>' in html

    bad = _submit(client, task_id, {"vornamen:zeilen": "2", "vornamen.0": "Lena", "vornamen.1": "M4rie",
                                    "frist:anzahl": "4,5", "frist:einheit": "W", "anzahl": "-5",
                                    "stellen:zeilen": "1", "stellen.0.frist_tage": "0"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'href="#feld-vornamen-1">Vorname 2: Der Wert hat nicht das verlangte Format.' in html
    assert "Frist: Bitte die Dauer als ganze Zahl eingeben (z. B. 30)." in html
    assert 'href="#feld-stellen-0-name">Name der Stelle: Dieses Feld ist ein Pflichtfeld.' in html
    assert 'value="-5"' in html and 'value="-5.0"' not in html
    assert '<option value="W" selected>Wochen</option>' in html

    ok = _submit(client, task_id, {"vornamen:zeilen": "3", "vornamen.0": "Lena", "vornamen.1": "", "vornamen.2": "Marie",
                                   "frist:anzahl": "4", "frist:einheit": "W", "anzahl": "-5", "datum": "01.03.2026",
                                   "stellen:zeilen": "1", "stellen.0.name": "Gemeinde", "stellen.0.frist_tage": "30",
                                   "gebuehr": "1", "stellungnahmen": "überschrieben"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    with transaction(session_factory) as session:
        data = session.get(Case, case_id).data
    assert data["vornamen"] == ["Lena", "Marie"] and data["frist"] == "P4W" and data["anzahl"] == -5
    assert data["datum"] == "2026-03-01" and data["stellen"] == [{"name": "Gemeinde", "frist_tage": 30}]
    assert data["gebuehr"] == 250000 and data["stellungnahmen"] == CASE_DATA["stellungnahmen"]  # context, not input


def _bundled_task(app, client, authority, session_factory, form: str, data: dict) -> tuple[str, str]:
    """A task whose form is one of the building permit package's form-js forms, with case data as given."""
    clerk = ui_user(session_factory, authority, "berta")
    key = new_key()
    form_file = (Path(__file__).resolve().parents[2] / "bpmn" / "baugenehmigung" / form).read_bytes()
    [case_id] = deploy_and_start(app, session_factory, clerk, key, task_form=form_file)
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        case.data = {**case.data, **data}
    login(client, authority, "berta")
    [task_id] = open_task_ids(session_factory, case_id)
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    return task_id, case_id


def test_decision_task_shows_every_statement_the_zoning_result_and_the_fee(app, client, authority, session_factory):
    statements = [{"behoerde": "Gemeinde", "ergebnis": "Zustimmung", "begruendung": "Einvernehmen erteilt.",
                   "fiktion": False},
                  {"behoerde": "Brandschutzdienststelle", "ergebnis": "Zustimmung",
                   "begruendung": "Keine Äußerung innerhalb der Frist.", "fiktion": True}]
    task_id, _ = _bundled_task(app, client, authority, session_factory, "entscheiden.form", {
        "stellungnahmen": statements, "gebuehr": 3200.0, "tarifstelle": "2.1.1 Wohngebäude",
        "bebauungsplan": {"found": True, "plan_name": "Lankow-Nord", "zone_label": "Allgemeines Wohngebiet",
                          "grz": 0.4, "max_storeys": 2, "in_force_since": "2004-06-15"}})
    html = _page(client, task_id)
    assert "<caption>Stellungnahmen der beteiligten Stellen</caption>" in html
    assert ">Gemeinde</td>" in html and ">Brandschutzdienststelle</td>" in html and ">ja</td>" in html
    assert "<dt>Bebauungsplan</dt><dd>Lankow-Nord</dd>" in html and "<dt>Grundflächenzahl (GRZ)</dt><dd>0,4</dd>" in html
    assert "<dt>In Kraft seit</dt><dd>15.06.2004</dd>" in html
    assert "<dt>Gebühr nach der Gebührenordnung</dt><dd>3.200,00 €</dd>" in html
    assert "Nur auszufüllen, wenn „Entscheidung“ „Genehmigung mit Auflagen“ ist." in html


def test_participation_is_entered_as_a_checkbox_group_and_a_duration_in_days(app, client, authority,
                                                                            session_factory):
    task_id, case_id = _bundled_task(app, client, authority, session_factory, "beteiligung_festlegen.form", {})
    html = _page(client, task_id)
    assert '<legend class="kern-label">Zu beteiligende Stellen</legend>' in html
    assert 'name="beteiligungsfrist:anzahl" type="text" inputmode="numeric" value="30"' in html
    assert '<span class="form-adorner">Tage</span>' in html and "P30D" not in html
    ok = _submit(client, task_id, {"fachbehoerden": ["Gemeinde", "Brandschutzdienststelle"],
                                   "beteiligungsfrist:anzahl": "21", "beteiligungsfrist:einheit": "D"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    with transaction(session_factory) as session:
        data = session.get(Case, case_id).data
    assert data["fachbehoerden"] == ["Brandschutzdienststelle", "Gemeinde"] and data["beteiligungsfrist"] == "P21D"
