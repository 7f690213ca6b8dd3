"""Browser tests of procedure packages: a modeller builds a procedure in the editors and deploys it, and a clerk runs
a case of it to the notice in the file (issue 14's acceptance test); versions are compared in the diagram; another
authority imports the package and sets it up. axe-core on every page."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pikepdf
import pytest
from playwright.sync_api import expect

from eakte.pdf import inspect_pdf
from engine import definitions
from engine.db import transaction

from tests.e2e.conftest import assert_accessible
from tests.eakte.test_rendering import pdf_text
from tests.e2e.test_ui_browser import log_in
from tests.processes.packages.helpers import drain, package_files
from tests.web.ui_helpers import ui_user

LINT_BUNDLE = Path(__file__).resolve().parents[2] / "node_modules" / ".aktenfluss-build" / "aktenfluss-lint.js"
SHOTS = Path(os.environ.get("AKTENFLUSS_SCREENSHOTS", "/tmp/aktenfluss-screenshots"))


@pytest.fixture()
def wide_page(page):
    """The page at 1280 px width (screenshots of the editor pages are taken at that width)."""
    if not LINT_BUNDLE.exists():
        pytest.skip("the editor's bpmnlint bundle is missing: run 'npm run build' (scripts/test does)")
    page.set_viewport_size({"width": 1280, "height": 1000})
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page


def _forms_supported() -> bool:
    from engine.loader import ModelValidationError, parse_model

    try:
        parse_model({"a.bpmn": b"<x/>", "a.form": b"{}"})
    except ModelValidationError as exc:
        return not any("only .bpmn and .dmn" in p.message for p in exc.problems)
    return True


def _shape(tab, name: str):
    if name == "start":
        return tab.locator('.bpmn-canvas .djs-shape[data-element-id="start"]')
    return tab.locator('.bpmn-canvas .djs-shape:not([data-element-id$="_label"])', has_text=name).first


def _select(tab, name: str) -> None:
    tab.locator(".bpmn-canvas").click(position={"x": 600, "y": 480})  # an empty spot: nothing selected
    _shape(tab, name).click()


def _append(tab, after: str, action: str, name: str, replace_with: str | None = None) -> None:
    """Append an element with the context pad, type its name, and change its type like a person would."""
    _select(tab, after)
    tab.locator(f'.djs-context-pad [data-action="{action}"]').click()
    tab.keyboard.type(name)
    if replace_with:
        _select(tab, name)
        tab.locator('.djs-context-pad [data-action="replace"]').click()
        tab.locator(f'.djs-popup [data-id="{replace_with}"]').click()


def _work(app, authority) -> int:
    """Run the worker until nothing is due, in a thread of its own (Playwright's event loop occupies this one), as
    the worker process of an installation does between two pages."""
    done = []
    worker = threading.Thread(target=lambda: done.append(drain(app, authority.id)))
    worker.start()
    worker.join(timeout=120)
    assert done, "the worker did not finish"
    return done[0]


def test_modeller_builds_a_procedure_in_the_browser_and_a_clerk_runs_a_case_to_the_notice(
        app, live_server, wide_page, authority, session_factory):
    tab = wide_page
    tab.set_viewport_size({"width": 1280, "height": 1400})  # the diagram and its popup menus fit on screen
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    log_in(tab, live_server, authority, "mona", start_page="Prozessmodelle")
    tab.get_by_role("link", name="Neues Verfahren im Browser modellieren").click()
    assert_accessible(tab)
    key = f"hund_{authority.slug.replace('-', '_')}"
    tab.get_by_label("Prozess-ID").fill(key)
    tab.get_by_label("Name des Verfahrens").fill("Hundesteuer")
    tab.get_by_role("button", name="Editor öffnen").click()
    expect(tab.locator(".bpmn-editor")).to_have_attribute("data-ready", "true")

    # A form and a template first (the page comes back with the diagram as it is).
    tab.get_by_label("Name eines neuen Formulars").fill("hund")
    tab.get_by_role("button", name="Formular hinzufügen").click()
    expect(tab.locator(".form-editor")).to_have_attribute("data-ready", "true")
    tab.get_by_label("Name einer neuen Vorlage").fill("bescheid")
    tab.get_by_role("button", name="Vorlage hinzufügen").click()
    expect(tab.locator("#paket-editor")).to_have_attribute("data-ready", "true")

    # The form: a text field from the form editor's palette, labelled in its properties panel.
    form_editor = tab.locator(".form-editor")
    form_editor.scroll_into_view_if_needed()
    form_editor.locator('.fjs-palette-field[data-field-type="textfield"]').drag_to(
        form_editor.locator(".fjs-drop-container-vertical").first)
    panel = form_editor.locator(".fjs-properties-panel")
    panel.get_by_text("General", exact=True).click()
    panel.get_by_label("Field label", exact=False).first.click()
    tab.keyboard.press("Control+A")
    tab.keyboard.type("Name des Hundes")
    key_field = panel.get_by_label("Key", exact=True)
    key_field.fill("hundename")
    key_field.press("Tab")
    assert '"key": "hundename"' in tab.locator('textarea[data-file="hund.form"]').input_value()

    # The template with its title, document type and sample data.
    tab.get_by_label("Titel des Dokuments").fill("Steuerbescheid")
    tab.get_by_label("Dokumentart").select_option("Bescheid")
    tab.get_by_label("Beispieldaten für die Vorschau (JSON)").fill('{"hundename": "Bello"}')
    tab.get_by_label("Vorlage (Jinja2 und HTML)").fill(
        '{% extends "base.html" %}{% block content %}<p>Für den Hund {{ hundename }} wird die Hundesteuer '
        'festgesetzt.</p>{% endblock %}')

    # The process: start -> user task -> service task -> end, drawn with the context pad.
    tab.get_by_role("link", name="Ablauf", exact=True).click()
    _append(tab, "start", "append.append-task", "Hund prüfen", "replace-with-user-task")
    _append(tab, "Hund prüfen", "append.append-task", "Bescheid erstellen", "replace-with-service-task")
    _append(tab, "Bescheid erstellen", "append.end-event", "Beschieden")
    lint = tab.locator(".bpmn-lint")
    expect(lint).to_contain_text("Engine: service task")  # the engine's own validation, before saving

    _select(tab, "Hund prüfen")
    properties = tab.locator(".bpmn-properties")
    properties.get_by_label("Formular").select_option("hund")
    properties.get_by_label("Gruppe").fill("Sachbearbeitung")
    properties.get_by_label("Gruppe").press("Tab")
    _select(tab, "Bescheid erstellen")
    properties.get_by_label("Aufruf").select_option("eakte.dokument")
    properties.get_by_label("Vorlage").select_option("bescheid.html")
    properties.get_by_label("Ergebnis speichern unter").fill("bescheid")
    properties.get_by_label("Ergebnis speichern unter").press("Tab")
    expect(lint).not_to_contain_text("has no operation name")
    tab.screenshot(path=str(SHOTS / "editor-ablauf.png"))
    assert_accessible(tab)

    with tab.expect_popup() as preview:
        tab.get_by_role("button", name="Vorschau von bescheid.html (PDF, neues Fenster)").click()
    preview.value.close()

    tab.get_by_role("button", name="Speichern und als neue Version bereitstellen").click()
    if not _forms_supported():
        expect(tab.get_by_role("alert")).to_contain_text("hund.form")
        assert_accessible(tab)
        pytest.skip("deploying a .form file needs the form system (branch 'forms'); the rest of this test then runs")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Hundesteuer – Version 1")
    expect(tab.get_by_text("bescheid.html – Steuerbescheid (Bescheid)")).to_be_visible()
    files = tab.locator("dd", has_text=f"{key}.bpmn")
    expect(files).to_contain_text("hund.form")
    tab.screenshot(path=str(SHOTS / "version.png"), full_page=True)
    assert_accessible(tab)
    tab.get_by_role("button", name="Abmelden").click()

    # A clerk starts a case by hand: the procedure has no start form, so subject and channel are enough.
    ui_user(session_factory, authority, "klara", display_name="Klara Klug", groups=("Sachbearbeitung",))
    log_in(tab, live_server, authority, "klara")
    tab.get_by_role("link", name="Neuer Vorgang").click()
    assert_accessible(tab)
    tab.get_by_role("link", name="Hundesteuer").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Neuer Vorgang: Hundesteuer")
    expect(tab.get_by_text("Dieses Verfahren hat kein Startformular")).to_be_visible()
    assert_accessible(tab)
    tab.get_by_label("Betreff").fill("Hundesteuer für Bello")
    tab.get_by_label("Papier (Post)").check()
    tab.get_by_role("button", name="Vorgang anlegen").click()
    created = tab.get_by_text(re.compile(r"Vorgang \S+ angelegt\."))
    expect(created).to_be_visible()
    aktenzeichen = re.search(r"Vorgang (\S+) angelegt", created.inner_text()).group(1)
    assert_accessible(tab)

    # She completes the task in her inbox with the form designed in the form editor.
    tab.get_by_role("link", name="Aufgaben").first.click()
    row = tab.get_by_role("row").filter(has_text=aktenzeichen)
    expect(row).to_contain_text("Hund prüfen")
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Hund prüfen")
    assert_accessible(tab)
    tab.get_by_label("Name des Hundes").fill("Bello")
    tab.screenshot(path=str(SHOTS / "aufgabe-hund.png"), full_page=True)
    tab.get_by_role("button", name="Erledigen").click()
    expect(tab.get_by_text("Aufgabe „Hund prüfen“ erledigt.")).to_be_visible()
    assert_accessible(tab)
    assert _work(app, authority) >= 1  # the service task makes the notice from the template

    # The notice is in the file, as PDF/A, opened from the case page (found by its Aktenzeichen).
    tab.get_by_role("link", name="Posteingang").click()
    tab.get_by_label("Aktenzeichen").fill(aktenzeichen)
    tab.get_by_role("button", name="Vorgang suchen").click()
    tab.get_by_role("link", name=aktenzeichen).click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text(aktenzeichen)
    documents = tab.get_by_role("table", name=re.compile("^Dokumente der Akte"))
    expect(documents).to_contain_text("Steuerbescheid: Hundesteuer für Bello")
    expect(tab.locator("#h-fristen").locator("..")).to_contain_text("Keine offenen Aufgaben")
    tab.screenshot(path=str(SHOTS / "akte-hund.png"), full_page=True)
    assert_accessible(tab)
    link = documents.get_by_role("link", name=re.compile("^Steuerbescheid: Hundesteuer für Bello, Version 1 ansehen"))
    response = tab.request.get(live_server + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    notice = response.body()
    assert inspect_pdf(notice).is_pdfa  # the E-Akte's own check
    with pikepdf.open(io.BytesIO(notice)) as pdf:
        metadata = pdf.open_metadata()
        assert (metadata["pdfaid:part"], metadata["pdfaid:conformance"]) == ("2", "B")
        assert metadata["dc:title"] == "Steuerbescheid" and metadata["dc:identifier"] == aktenzeichen
    assert "Für den Hund Bello wird die Hundesteuer festgesetzt." in pdf_text(notice)  # the value from the form


def test_two_versions_are_compared_in_list_and_diagram(live_server, wide_page, authority, session_factory, client):
    from tests.processes.packages.helpers import process_key, upload

    modeller = authority.user("mia", roles=("modeller",))
    files = package_files()
    key = process_key(files)
    assert upload(client, modeller, files).status_code == 201
    changed = {**files, "gewerbe.bpmn": files["gewerbe.bpmn"].replace("Anzeige prüfen".encode(), b"Anzeige sichten")}
    assert upload(client, modeller, changed).status_code == 201
    tab = wide_page
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    log_in(tab, live_server, authority, "mona", start_page="Prozessmodelle")
    tab.goto(f"{live_server}/ui/verfahren/{key}")
    assert_accessible(tab)
    tab.get_by_role("button", name="Vergleichen").click()
    expect(tab.get_by_role("table", name=re.compile("geändert, hinzugefügt oder entfernt"))).to_contain_text(
        "Anzeige sichten")
    expect(tab.locator(".diff-diagram[data-rendered=true]")).to_have_count(2)
    expect(tab.locator(".diff-diagram .djs-element.diff-changed")).to_have_count(2)
    tab.screenshot(path=str(SHOTS / "vergleich.png"), full_page=True)
    assert_accessible(tab)


def test_another_authority_imports_and_sets_up_the_package(live_server, wide_page, authority, other_authority,
                                                           session_factory, client, tmp_path):
    from tests.processes.packages.helpers import upload

    modeller = authority.user("mia", roles=("modeller",))
    deployed = upload(client, modeller, package_files("register"))
    exported = client.get(f"/api/v1/process-definitions/{deployed.json['id']}/package", headers=modeller.headers)
    archive = tmp_path / "register.zip"
    archive.write_bytes(exported.data)

    tab = wide_page
    ui_user(session_factory, other_authority, "admin", roles=("modeller", "admin"), groups=())
    ui_user(session_factory, other_authority, "bea", display_name="Bea Beispiel", groups=())
    log_in(tab, live_server, other_authority, "admin", start_page="Prozessmodelle")
    tab.get_by_role("link", name="Verfahren einer anderen Behörde übernehmen").click()
    assert_accessible(tab)
    tab.get_by_label("ZIP-Archiv des Verfahrens").set_input_files(str(archive))
    tab.get_by_role("button", name="Verfahren übernehmen").click()
    expect(tab.get_by_text("Noch nicht eingerichtet: 3 Punkt(e)")).to_be_visible()
    tab.screenshot(path=str(SHOTS / "einrichtung-offen.png"), full_page=True)
    assert_accessible(tab)

    tab.get_by_label("Adresse (URL)").fill("nicht-gueltig")
    tab.get_by_role("button", name="Adresse von „gewerberegister“ speichern").click()
    expect(tab.get_by_role("alert")).to_contain_text("http- oder https-Adresse")
    assert_accessible(tab)
    tab.get_by_label("Adresse (URL)").fill("https://gewerberegister.example")
    tab.get_by_role("button", name="Adresse von „gewerberegister“ speichern").click()
    tab.get_by_label("Bea Beispiel (bea)").check()
    tab.get_by_role("button", name="Mitglieder von „Gewerbeamt“ speichern").click()
    tab.get_by_role("button", name=re.compile("Vorgeschlagene Einheit 32.11")).click()
    expect(tab.get_by_text("Alles eingerichtet: Vorgänge dieses Verfahrens können beginnen.")).to_be_visible()
    tab.screenshot(path=str(SHOTS / "einrichtung-fertig.png"), full_page=True)
    assert_accessible(tab)


@pytest.mark.parametrize("procedure", ["baugenehmigung", "geburt"])
def test_a_bundled_procedure_opens_in_the_editors_and_saves_as_a_new_version(live_server, wide_page, authority,
                                                                             session_factory, client, procedure):
    from tests.processes.packages.helpers import upload
    from tests.processes.procedure_env import model_files

    modeller = authority.user("mia", roles=("modeller",))
    deployed = upload(client, modeller, model_files(procedure))
    assert deployed.status_code in (200, 201), deployed.json
    tab = wide_page
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    log_in(tab, live_server, authority, "mona", start_page="Prozessmodelle")
    tab.goto(f"{live_server}/ui/modelle/{deployed.json['id']}")
    title, deployed_version = tab.get_by_role("heading", level=1).inner_text().split(" – Version ")
    tab.get_by_role("link", name="Im Editor bearbeiten").click()
    expect(tab.locator(".bpmn-editor")).to_have_attribute("data-ready", "true")
    forms = tab.locator(".form-editor")
    assert forms.count() == len([name for name in model_files(procedure) if name.endswith(".form")])
    for index in range(forms.count()):
        expect(forms.nth(index)).to_have_attribute("data-ready", "true")
    expect(tab.locator("#paket-editor")).to_have_attribute("data-ready", "true")
    tab.screenshot(path=str(SHOTS / f"editor-{procedure}.png"))
    assert_accessible(tab)
    tab.get_by_role("button", name="Speichern und als neue Version bereitstellen").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"{title} – Version {int(deployed_version) + 1}")  # bpmn-js writes the XML anew
    assert_accessible(tab)
    # What bpmn-js wrote back still says everything SpiffWorkflow reads (decision, multi-instance, message data).
    with transaction(session_factory) as session:
        saved = definitions.latest_definition(session, procedure, authority.id).file_contents()[f"{procedure}.bpmn"]
    original = model_files(procedure)[f"{procedure}.bpmn"]
    for fragment in (b"calledDecisionId>baugebuehr<", b"loopDataInputRef>fachbehoerden<",
                     b"loopDataOutputRef>stellungnahmen<", b"messageVariable>nachreichung<", b'formId="start"'):
        assert (fragment in saved) == (fragment in original), fragment
