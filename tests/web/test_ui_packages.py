"""The modeller's package pages: upload, version page with template preview, versions and comparison, editor,
import and setup (Flask test client; the browser tests are in tests/e2e/test_packages_browser.py)."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.db import transaction
from engine.models import User
from tests.processes.packages.helpers import package_files, process_key, zipped
from tests.web.ui_helpers import csrf_token, login, post_form, ui_user
from web.ui.editor_state import EMPTY_DATA_ROWS, EMPTY_GROUP_ROWS, from_files, from_form


def _upload(client, files: dict[str, bytes]):
    return post_form(client, "/ui/modelle", {"dateien": [(io.BytesIO(c), n) for n, c in files.items()]},
                     page_url="/ui/modelle", content_type="multipart/form-data")


def _modeller(client, authority, session_factory, roles=("modeller",)):
    ui_user(session_factory, authority, "mona", roles=roles, groups=())
    login(client, authority, "mona")


def test_upload_a_zip_see_templates_and_preview_them(client, authority, session_factory):
    _modeller(client, authority, session_factory)
    files = package_files()
    answer = _upload(client, {"gewerbe.zip": zipped(files)})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Gewerbeanmeldung" in page and "LeiKa-Schlüssel" in page and "99050012104000" in page
    link = re.search(r'href="([^"]+vorschau\.pdf)"', page).group(1)
    preview = client.get(link)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    export = client.get(answer.headers["Location"] + "/export.zip")
    assert export.status_code == 200 and export.mimetype == "application/zip"


def test_an_invalid_package_is_shown_in_german_with_file_line_pointer_and_element(client, authority, session_factory):
    _modeller(client, authority, session_factory)
    files = package_files()
    files["manifest.json"] = files["manifest.json"].replace(b'"99050012104000"', b'"12"')
    files["bestaetigung.html"] = b"{% if %}"
    answer = _upload(client, files)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "nicht bereitgestellt: 2 Probleme" in html
    assert "<code>/leika</code>" in html and "hat nicht die erwartete Form" in html
    assert "Fehler in der Vorlage" in html


def test_versions_show_their_cases_and_two_versions_compare(app, client, authority, session_factory):
    _modeller(client, authority, session_factory, roles=("modeller", "clerk"))
    files = package_files()
    key = process_key(files)
    assert _upload(client, files).status_code == 302
    changed = dict(files)
    changed["gewerbe.bpmn"] = files["gewerbe.bpmn"].replace(b'name="Anzeige pr\xc3\xbcfen"', b'name="Anzeige sichten"')
    changed["bestaetigung.html"] = files["bestaetigung.html"].replace(b"ist eingegangen", b"liegt vor")
    assert _upload(client, changed).status_code == 302
    with transaction(session_factory) as session:
        user = session.scalar(select(User).where(User.authority_id == authority.id, User.username == "mona"))
        from processes import casework
        casework.start_case(session, app.extensions["engine_context"], user, key, {"inhaber": "X"})
    page = client.get(f"/ui/verfahren/{key}").get_data(as_text=True)
    rows = re.findall(r"Version (\d)</a></td>.*?numeric\">(\d+)</td>", page, re.S)
    assert rows == [("2", "1"), ("1", "0")]
    ids = re.findall(r'<option value="([^"]+)"', page)
    diff = client.get(f"/ui/verfahren/{key}/vergleich", query_string={"alt": ids[1], "neu": ids[0]})
    html = diff.get_data(as_text=True)
    assert diff.status_code == 200
    assert "<code>pruefen</code>" in html and "Name: „Anzeige prüfen“ → „Anzeige sichten“" in html
    assert "bestaetigung.html: geändert" in html and "+&lt;p&gt;Ihre Gewerbeanzeige" in html
    assert client.get(f"/ui/verfahren/{key}/vergleich", query_string={"alt": ids[0], "neu": ids[0]}).status_code == 422


def test_the_editor_saves_a_new_procedure_and_keeps_everything_on_errors(client, authority, session_factory):
    _modeller(client, authority, session_factory)
    new_page = client.get("/ui/modelle/editor/neu").get_data(as_text=True)
    bad = client.post("/ui/modelle/editor/neu", data={"csrf_token": csrf_token(new_page), "schluessel": "1 falsch",
                                                      "name": ""})
    assert bad.status_code == 422 and "Prozess-ID aus Buchstaben" in bad.get_data(as_text=True)
    key = f"neu_{authority.slug.replace('-', '_')}"
    editor = client.post("/ui/modelle/editor/neu", data={"csrf_token": csrf_token(new_page), "schluessel": key,
                                                         "name": "Hundesteuer"})
    html = editor.get_data(as_text=True)
    assert editor.status_code == 200 and f'data-file="{key}.bpmn"' in html
    bpmn = re.search(r'data-file="' + key + r'\.bpmn" rows="16" spellcheck="false">(.*?)</textarea>', html, re.S).group(1)
    token = csrf_token(html)
    base = {"csrf_token": token, "schluessel": key, "verfahren_name": "Hundesteuer", "manifest_weitere": "{}"}

    added = client.post("/ui/modelle/editor/speichern", data={
        **base, "aktion": "neue_vorlage", "neue_vorlage_name": "bescheid", "datei_name": [f"{key}.bpmn"],
        "datei_inhalt": [_unescape(bpmn)]})
    assert added.status_code == 200 and 'data-file="bescheid.html"' in added.get_data(as_text=True)

    # A broken template: the problems come back, every entry stays.
    refused = client.post("/ui/modelle/editor/speichern", data={
        **base, "aktion": "speichern", "datei_name": [f"{key}.bpmn", "bescheid.html"],
        "datei_inhalt": [_unescape(bpmn), "<p>{{ name }</p>"], "vorlage_titel:bescheid.html": "Bescheid",
        "vorlage_beispiel:bescheid.html": '{"name": "Bello"}'})
    kept = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "nicht bereitgestellt" in kept and "Fehler in der Vorlage" in kept
    assert "&lt;p&gt;{{ name }&lt;/p&gt;" in kept and "Bello" in kept and 'value="Bescheid"' in kept

    complete = _unescape(bpmn).replace('<bpmn:startEvent id="start" name="Antrag eingegangen"/>', (
        '<bpmn:startEvent id="start" name="Antrag eingegangen"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:endEvent id="ende"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ende"/>'))
    preview = client.post("/ui/modelle/editor/vorschau", data={
        **base, "vorschau": "bescheid.html", "datei_name": [f"{key}.bpmn", "bescheid.html"],
        "datei_inhalt": [complete, '{% extends "base.html" %}{% block content %}<p>{{ name }}</p>{% endblock %}'],
        "vorlage_beispiel:bescheid.html": '{"name": "Bello"}'})
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    saved = client.post("/ui/modelle/editor/speichern", data={
        **base, "aktion": "speichern", "datei_name": [f"{key}.bpmn", "bescheid.html"],
        "datei_inhalt": [complete, "<p>{{ name }}</p>"], "vorlage_titel:bescheid.html": "Bescheid",
        "vorlage_art:bescheid.html": "Bescheid", "vorlage_beispiel:bescheid.html": '{"name": "Bello"}'})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    version = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Hundesteuer" in version and "bescheid.html – Bescheid (Bescheid)" in version


def test_the_check_answers_with_the_engines_findings(client, authority, session_factory):
    _modeller(client, authority, session_factory)
    page = client.get("/ui/modelle/editor/neu").get_data(as_text=True)
    files = {k: v.decode() for k, v in package_files().items() if k != "manifest.json"}
    files["gewerbe.bpmn"] = files["gewerbe.bpmn"].replace('sourceRef="pruefen"', 'sourceRef="weg"')
    answer = client.post("/ui/modelle/editor/pruefen", json={"key": "x", "files": files},
                         headers={"X-CSRFToken": csrf_token(page)})
    findings = answer.json["findings"]
    assert any(f["element_id"] == "f2" and "weg" in f["message"] for f in findings), findings


def test_import_then_configure_in_the_setup_page(client, authority, other_authority, session_factory):
    _modeller(client, authority, session_factory)
    files = package_files("register")
    key = process_key(files)
    assert _upload(client, files).status_code == 302
    listing = client.get("/ui/modelle").get_data(as_text=True)
    definition_id = re.search(r'href="/ui/modelle/([0-9a-f-]{36})"', listing).group(1)
    exported = client.get(f"/ui/modelle/{definition_id}/export.zip").data

    ui_user(session_factory, other_authority, "admin", roles=("modeller", "admin"), groups=())
    ui_user(session_factory, other_authority, "bea", groups=())
    other = client.application.test_client()
    login(other, other_authority, "admin")
    form = other.get("/ui/verfahren/uebernehmen").get_data(as_text=True)
    imported = other.post("/ui/verfahren/uebernehmen", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(form), "paket": (io.BytesIO(exported), "register.zip")})
    assert imported.status_code == 302 and imported.headers["Location"].endswith(f"/ui/verfahren/{key}/einrichtung")
    setup = other.get(imported.headers["Location"]).get_data(as_text=True)
    assert "Noch nicht eingerichtet: 3 Punkt(e)" in setup
    token = csrf_token(setup)
    bad = other.post(f"/ui/verfahren/{key}/einrichtung/fachverfahren", data={
        "csrf_token": token, "system": "gewerberegister", "adresse": "ftp://x", "zeitlimit": "abc",
        "kopfzeilen": "Authorization: Bearer geheim"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Bitte eine Zahl von Sekunden" in text and 'value="ftp://x"' in text
    assert other.post(f"/ui/verfahren/{key}/einrichtung/fachverfahren", data={
        "csrf_token": token, "system": "gewerberegister", "adresse": "http://127.0.0.1:9", "zeitlimit": "5",
        "kopfzeilen": "X-API-Key: ${GEWERBE_KEY}"}).status_code == 302
    assert other.post(f"/ui/verfahren/{key}/einrichtung/gruppe", data={
        "csrf_token": token, "gruppe": "Gewerbeamt", "mitglieder": ["bea"]}).status_code == 302
    assert other.post(f"/ui/verfahren/{key}/einrichtung/aktenplan", data={
        "csrf_token": token, "aktion": "vorschlag"}).status_code == 302
    done = other.get(f"/ui/verfahren/{key}/einrichtung").get_data(as_text=True)
    assert "Alles eingerichtet" in done and "X-API-Key: ${GEWERBE_KEY}" in done


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&quot;", '"').replace(
        "&#39;", "'").replace("&amp;", "&")


def test_the_editor_reads_data_labels_row_by_row_and_names_bad_rows():
    form = MultiDict([("schluessel", "gewerbe"), ("manifest_weitere", "{}"),
                      ("daten_pfad", "nummer"), ("daten_bezeichnung", "Registernummer"), ("daten_darstellung", ""),
                      ("daten_codes", ""),
                      ("daten_pfad", "art"), ("daten_bezeichnung", "Erwerbsart"), ("daten_darstellung", ""),
                      ("daten_codes", "HG=Haupterwerb; NG = Nebenerwerb"),
                      ("daten_pfad", "eintrag.gebuehr"), ("daten_bezeichnung", "Gebühr"),
                      ("daten_darstellung", "money"), ("daten_codes", ""),
                      ("daten_pfad", ""), ("daten_bezeichnung", ""), ("daten_darstellung", ""), ("daten_codes", ""),
                      ("daten_pfad", "ohne_bezeichnung"), ("daten_bezeichnung", ""), ("daten_darstellung", ""),
                      ("daten_codes", ""),
                      ("daten_pfad", "status"), ("daten_bezeichnung", "Stand"), ("daten_darstellung", ""),
                      ("daten_codes", "neu")])
    state = from_form(form)

    assert state.manifest["data"] == {
        "nummer": {"label": "Registernummer"},
        "art": {"label": "Erwerbsart", "values": {"HG": "Haupterwerb", "NG": "Nebenerwerb"}},
        "eintrag.gebuehr": {"label": "Gebühr", "format": "money"}}
    assert set(state.errors) == {"daten_pfad.5", "daten_codes.6"}
    assert "Zeile 6 der Falldaten" in state.errors["daten_codes.6"]
    rows = from_files("gewerbe", state.to_files()).data_rows()  # as the saved package opens again
    assert rows[1] == {"pfad": "art", "bezeichnung": "Erwerbsart", "darstellung": "",
                       "codes": "HG=Haupterwerb; NG=Nebenerwerb"}
    assert len(rows) == 3 + EMPTY_DATA_ROWS and "data" not in state.extra_manifest
    shown = state.data_rows()  # the page shown again with the errors keeps every row as typed, at its number
    assert shown[4]["pfad"] == "ohne_bezeichnung" and shown[5]["codes"] == "neu" and shown[3]["pfad"] == ""
    assert len(shown) == 6 + EMPTY_DATA_ROWS


def test_the_editor_reads_groups_roles_and_the_file_plan_unit_and_names_what_is_missing():
    form = MultiDict([("schluessel", "gewerbe"), ("manifest_weitere", '{"groups": [{"name": "aus JSON"}]}'),
                      ("gruppe_name", "Gewerbeamt"), ("gruppe_beschreibung", "prüft Anzeigen"),
                      ("gruppe_name", ""), ("gruppe_beschreibung", ""),
                      ("rollen", "clerk"), ("rollen", "supervisor"), ("rollen", "kaiser"),
                      ("aktenplan_kennzeichen", "32.11"), ("aktenplan_titel", "Gewerbe"), ("aktenplan_jahre", "10"),
                      ("aktenplan_aussonderung", "V")])
    state = from_form(form)
    assert state.manifest["groups"] == [{"name": "Gewerbeamt", "description": "prüft Anzeigen"}]
    assert state.manifest["roles"] == ["clerk", "supervisor"] and not state.errors
    assert state.manifest["file_plan"] == {"code": "32.11", "title": "Gewerbe", "retention_years": 10, "disposal": "V"}
    assert state.extra_manifest == "{}" and len(state.group_rows()) == 1 + EMPTY_GROUP_ROWS

    permanent = from_form(MultiDict([("schluessel", "x"), ("aktenplan_kennzeichen", "32.11"), ("aktenplan_titel", "G"),
                                     ("aktenplan_dauernd", "ja"), ("aktenplan_jahre", "")]))
    assert permanent.manifest["file_plan"]["retention_years"] == "permanent"
    half = from_form(MultiDict([("schluessel", "x"), ("aktenplan_kennzeichen", "32.11"), ("aktenplan_jahre", "0")]))
    assert set(half.errors) == {"aktenplan_titel", "aktenplan_jahre"}
    assert half.file_plan_values() == {"code": "32.11", "title": "", "years": "0", "permanent": False,
                                     "disposal": ""}  # shown again as typed
