"""Browser tests of forms: a clerk completes task forms (with and without JavaScript, and by keyboard alone) and
starts a case through "Neuer Vorgang" with an attachment. axe-core checks every page; screenshots at 1280 px go to
the reviewers' artifacts folder (tests/e2e/conftest.py: screenshot), never into the repository."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from engine import definitions
from engine.db import transaction
from engine.models import Case, User
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import PASSWORD, deploy_and_start, new_key, ui_user

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
FORM = {
    "type": "object",
    "required": ["nachweise", "rohbausumme", "frist", "stellen"],
    "properties": {
        "stellungnahmen": {"type": "array", "readOnly": True, "title": "Stellungnahmen der Fachbehörden", "items": {
            "type": "object", "properties": {"behoerde": {"type": "string", "title": "Stelle"},
                                             "ergebnis": {"type": "string", "title": "Ergebnis"}}}},
        "nachweise": {"type": "array", "title": "Vorgelegte Nachweise", "minItems": 1, "uniqueItems": True,
                      "items": {"type": "string", "enum": ["Lageplan", "Bauzeichnungen", "Baubeschreibung"]}},
        "rohbausumme": {"type": "number", "title": "Rohbausumme", "minimum": 0, "x-unit": "EUR"},
        "frist": {"type": "string", "format": "duration", "title": "Frist der Beteiligung",
                  "x-duration-units": ["D", "W"], "default": "P30D"},
        "stellen": {"type": "array", "title": "Beteiligte Stellen", "minItems": 1, "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "title": "Name der Stelle", "minLength": 2},
                           "bemerkung": {"type": "string", "title": "Bemerkung"}}}},
        "vollstaendig": {"type": "boolean", "title": "Die Unterlagen sind vollständig"},
        "fehlende_unterlagen": {"type": "string", "title": "Fehlende Unterlagen", "maxLength": 2000},
    },
    "if": {"properties": {"vollstaendig": {"const": False}}},
    "then": {"required": ["fehlende_unterlagen"], "properties": {"fehlende_unterlagen": {"minLength": 3}}},
}


def _shot(tab, name: str) -> None:
    tab.set_viewport_size({"width": 1280, "height": 900})
    screenshot(tab, name)


class _CheckerWithScript:
    """axe-core needs JavaScript: a page without it is checked as a copy in a second page that has it."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(f"{base}/ui/anmelden")  # same origin: the copy's stylesheets load as on the original

    def check(self, tab) -> None:
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", tab.content(), flags=re.S)  # the page as it is without JS
        self.page.set_content(html)
        assert_accessible(self.page)

    def close(self) -> None:
        self.context.close()


def _task_with_form(app, session_factory, authority, username: str) -> str:
    clerk = ui_user(session_factory, authority, username, display_name="Sabine Sorge")
    key = new_key()
    [case_id] = deploy_and_start(app, session_factory, clerk, key, prefix="FORM")
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        case.data = {**case.data, "stellungnahmen": [{"behoerde": "Brandschutzdienststelle", "ergebnis": "Zustimmung"}]}
    app.extensions["engine_context"].forms.register(key, "pruefen", FORM)
    return case_id


def _open_task(tab, base: str, authority, username: str, check=assert_accessible) -> None:
    tab.goto(f"{base}/ui/anmelden")
    check(tab)
    tab.get_by_label("Behörde (Kürzel)").fill(authority.slug)
    tab.get_by_label("Benutzername").fill(username)
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Aufgaben")
    row = tab.get_by_role("row").filter(has_text="Vorhaben FORM-0001")
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Antrag prüfen")


def test_task_form_without_javascript_rows_errors_and_values_kept(app, browser, live_server, authority,
                                                                  session_factory):
    case_id = _task_with_form(app, session_factory, authority, "sabine")
    context = browser.new_context(locale="de-DE", java_script_enabled=False, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    checker = _CheckerWithScript(browser, live_server)
    assert_accessible = checker.check  # noqa: N806 - the same check, on a copy of the page
    try:
        _open_task(tab, live_server, authority, "sabine", checker.check)
        assert_accessible(tab)
        expect(tab.get_by_role("table", name="Stellungnahmen der Fachbehörden")).to_contain_text(
            "Brandschutzdienststelle")
        checks = tab.get_by_role("group", name="Vorgelegte Nachweise")
        checks.get_by_label("Lageplan").check()
        checks.get_by_label("Baubeschreibung").check()
        tab.get_by_label("Rohbausumme").fill("250.000")
        expect(tab.get_by_label("Frist der Beteiligung", exact=True)).to_have_value("30")
        tab.get_by_label("Einheit: Frist der Beteiligung").select_option("Wochen")
        tab.get_by_label("Frist der Beteiligung", exact=True).fill("4")
        tab.get_by_label("Name der Stelle").fill("Gemeinde")
        tab.get_by_role("button", name="Weitere Zeile hinzufügen").click()  # a round trip, no script
        rows = tab.get_by_role("group", name="Beteiligte Stellen")
        expect(rows.get_by_role("group", name="Zeile 2")).to_be_visible()
        expect(rows.get_by_role("group", name="Zeile 1").get_by_label("Name der Stelle")).to_have_value("Gemeinde")
        expect(tab.get_by_label("Rohbausumme")).to_have_value("250.000")  # as typed
        expect(checks.get_by_label("Baubeschreibung")).to_be_checked()
        assert_accessible(tab)
        rows.get_by_role("group", name="Zeile 2").get_by_label("Name der Stelle").fill("Brandschutzdienststelle")
        tab.get_by_role("button", name="Zeile 1 entfernen").click()
        expect(rows.get_by_role("group", name="Zeile 2")).to_have_count(0)
        expect(rows.get_by_label("Name der Stelle")).to_have_value("Brandschutzdienststelle")
        # Without JavaScript the dependent field is shown with a hint saying when it applies.
        expect(tab.get_by_text("Nur auszufüllen, wenn „Die Unterlagen sind vollständig“ nicht angekreuzt ist.")) \
            .to_be_visible()
        tab.get_by_label("Fehlende Unterlagen").fill("x")
        tab.get_by_role("button", name="Erledigen").click()

        summary = tab.get_by_role("alert")
        expect(summary).to_contain_text("Fehlende Unterlagen: Bitte mindestens 3 Zeichen eingeben.")
        assert_accessible(tab)
        _shot(tab, "aufgabe-formular-fehler")
        expect(tab.get_by_label("Rohbausumme")).to_have_value("250.000,00")
        expect(tab.get_by_label("Frist der Beteiligung", exact=True)).to_have_value("4")
        expect(tab.get_by_label("Einheit: Frist der Beteiligung")).to_have_value("W")
        expect(checks.get_by_label("Lageplan")).to_be_checked()
        expect(rows.get_by_label("Name der Stelle")).to_have_value("Brandschutzdienststelle")
        summary.get_by_role("link", name=re.compile("Fehlende Unterlagen")).click()
        expect(tab.get_by_label("Fehlende Unterlagen")).to_be_focused()
        tab.get_by_label("Die Unterlagen sind vollständig").check()  # now the missing documents do not apply
        tab.get_by_role("button", name="Erledigen").click()
        expect(tab.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
        assert_accessible(tab)
    finally:
        context.close()
        checker.close()
    with transaction(session_factory) as session:
        data = session.get(Case, case_id).data
    assert data["rohbausumme"] == 250000 and data["frist"] == "P4W" and data["vollstaendig"] is True
    assert data["nachweise"] == ["Lageplan", "Baubeschreibung"] and "fehlende_unterlagen" not in data
    assert data["stellen"] == [{"name": "Brandschutzdienststelle"}]


def _tab_to(tab, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if tab.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        tab.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached by keyboard")


def test_task_form_by_keyboard_alone_with_dependent_fields_hidden_by_script(app, page, live_server, authority,
                                                                          session_factory):
    case_id = _task_with_form(app, session_factory, authority, "karl")
    _open_task(page, live_server, authority, "karl")
    expect(page.get_by_label("Fehlende Unterlagen")).to_be_visible()  # the box is not ticked: they apply
    _shot(page, "aufgabe-formular")
    _tab_to(page, "#feld-nachweise-1")
    page.keyboard.press("Space")
    _tab_to(page, "#feld-rohbausumme")
    page.keyboard.type("1.234,56")
    _tab_to(page, "#feld-stellen-0-name")
    page.keyboard.type("Gemeinde")
    _tab_to(page, "#feld-vollstaendig")
    page.keyboard.press("Space")
    expect(page.get_by_label("Fehlende Unterlagen")).to_be_hidden()  # the script hides what does not apply
    assert_accessible(page)
    _tab_to(page, "#feld-stellen-0-bemerkung")
    page.keyboard.type("telefonisch angekündigt")
    page.keyboard.press("Enter")  # implicit submission: the form's default button is "Erledigen"
    expect(page.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
    with transaction(session_factory) as session:
        data = session.get(Case, case_id).data
    assert data["nachweise"] == ["Bauzeichnungen"] and data["rohbausumme"] == 1234.56 and data["frist"] == "P30D"
    assert data["stellen"] == [{"name": "Gemeinde", "bemerkung": "telefonisch angekündigt"}]


def test_clerk_starts_a_birth_case_at_the_counter_with_an_attachment(app, page, live_server, authority,
                                                                     session_factory, tmp_path):
    clerk = ui_user(session_factory, authority, "sina", groups=("Standesamt",))
    files = {p.name: p.read_bytes() for p in (BPMN / "geburt").iterdir()}  # the whole package
    with transaction(session_factory) as session:  # set-up: the registry office's procedure is deployed
        definitions.deploy(session, files, authority_id=session.get(User, clerk).authority_id, deployed_by="setup")
    log_in(page, live_server, authority, "sina")
    page.get_by_role("link", name="Neuer Vorgang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuer Vorgang")
    assert_accessible(page)
    page.get_by_role("link", name="Beurkundung einer Geburt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuer Vorgang: Beurkundung einer Geburt")
    assert_accessible(page)
    page.get_by_label("Betreff").fill("Geburt Lena Müller")
    page.get_by_label("Schalter / vor Ort").check()
    child = page.get_by_role("group", name="Kind")
    child.get_by_label("weiblich").check()
    child.get_by_label("Geburtsdatum").fill("2026-02-14")
    child.get_by_label("Uhrzeit der Geburt").fill("08:12")
    child.get_by_label("Geburtsort").fill("Schwerin")
    mother = page.get_by_role("group", name="Mutter")
    mother.get_by_label("Familienname").fill("Müller")
    mother.get_by_label("Vornamen").fill("Erika")
    mother.get_by_label("Geburtsdatum").fill("1978-04-12")
    certificate = tmp_path / "Geburtsbescheinigung.pdf"
    certificate.write_bytes(pdf_bytes())
    page.get_by_label("Anlagen").set_input_files(str(certificate))
    _shot(page, "startformular")
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_role("alert")).to_contain_text("Anzeigende Stelle oder Person: Dieses Feld ist ein Pflichtfeld.")
    expect(page.get_by_text("Bitte wählen Sie die Dateien erneut aus")).to_be_visible()
    expect(mother.get_by_label("Familienname")).to_have_value("Müller")
    expect(page.get_by_label("Schalter / vor Ort")).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Anzeigende Stelle oder Person").fill("Helios Kliniken Schwerin")
    page.get_by_label("Anlagen").set_input_files(str(certificate))
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_text(re.compile(r"Vorgang \S+ angelegt, 1 Anlage\(n\) abgelegt\."))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Dokumente der Akte"))).to_contain_text("Geburtsbescheinigung")
    assert_accessible(page)
    _shot(page, "akte-nach-start")
    with transaction(session_factory) as session:
        case = session.query(Case).filter(Case.authority_id == authority.id).one()
        assert case.channel == "counter" and case.data["mutter"]["birth_date"] == "1978-04-12"
