"""End-to-end in a real browser, through the UI alone after set-up, axe-core on every page: an administrator creates a
group and a user who then works the group's tasks; a substitute works an absent colleague's task "in Vertretung"
until the absence ends; the file plan is changed; one file goes through the whole disposal with the archive."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from playwright.sync_api import expect

from eakte.xdomea import validate_xdomea
from engine.db import transaction
from engine.legal_time import LEGAL_TIME
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.eakte import factories, xdomea_messages
from tests.web.ui_helpers import deploy_and_start, new_key, open_task_ids, ui_user


def sign_in_with(tab, base: str, slug: str, username: str, password: str) -> None:
    tab.goto(f"{base}/ui/anmelden")
    tab.get_by_label("Behörde (Kürzel)").fill(slug)
    tab.get_by_label("Benutzername").fill(username)
    tab.get_by_label("Passwort").fill(password)
    tab.get_by_role("button", name="Anmelden").click()


def sign_out(tab) -> None:
    tab.get_by_role("button", name="Abmelden", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Anmelden")


def test_admin_creates_a_group_and_a_user_who_then_works_the_groups_tasks(app, live_server, page, authority,
                                                                           session_factory):
    ui_user(session_factory, authority, "chefin", roles=("admin",), groups=(), display_name="Clara Chefin")
    modeller = ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    deploy_and_start(app, session_factory, modeller, new_key(), prefix="GRP")  # tasks for candidate group Sachbearbeitung

    log_in(page, live_server, authority, "chefin")
    page.get_by_role("link", name="Verwaltung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwaltung")
    assert_accessible(page)
    screenshot(page, "verwaltung-start")
    page.get_by_role("link", name="Gruppen").click()
    expect(page.get_by_text("Aufgaben ohne zuständige Gruppe")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "verwaltung-gruppen-warnung")
    page.get_by_role("link", name="Neue Gruppe anlegen").click()
    page.get_by_role("button", name="Gruppe anlegen").click()  # no name: an error, linked from the summary
    page.get_by_role("alert").get_by_role("link", name="Bitte geben Sie einen Namen ein.").click()
    expect(page.get_by_label("Name der Gruppe")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Name der Gruppe").fill("Bauaufsicht Nord")
    page.get_by_role("group", name="Sieht die Aufgaben dieser Bahnen").get_by_label("Sachbearbeitung").check()
    assert_accessible(page)
    screenshot(page, "verwaltung-gruppe-neu")
    page.get_by_role("button", name="Gruppe anlegen").click()
    expect(page.get_by_text("Die Gruppe „Bauaufsicht Nord“ ist angelegt.")).to_be_visible()
    expect(page.get_by_text("Aufgaben ohne zuständige Gruppe")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Zur Verwaltung").click()
    page.get_by_role("link", name="Benutzerinnen und Benutzer").click()
    assert_accessible(page)
    page.get_by_role("link", name="Neues Konto anlegen").click()
    page.get_by_label("Benutzername").fill("bert")
    page.get_by_role("textbox", name=re.compile("^Name")).fill("Bert Bauer")
    page.get_by_role("group", name="Rollen").get_by_label("Sachbearbeitung").check()
    page.get_by_role("group", name="Gruppen").get_by_label("Bauaufsicht Nord").check()
    page.get_by_label("Vorläufiges Passwort, das bei der ersten Anmeldung geändert werden muss").check()
    assert_accessible(page)
    screenshot(page, "verwaltung-konto-neu")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto „bert“ angelegt")
    temporary = page.locator("#vorlaeufiges-passwort").inner_text()
    assert_accessible(page)
    screenshot(page, "verwaltung-zugang-einmal")
    page.get_by_role("link", name="Zum Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto bert")
    assert_accessible(page)
    screenshot(page, "verwaltung-konto-bearbeiten")
    page.get_by_role("link", name="Verwaltung").click()
    page.get_by_role("link", name="Verwaltungsprotokoll").click()
    log = page.get_by_role("table", name=re.compile("^Änderungen"))
    expect(log.get_by_role("row").filter(has_text="Konto angelegt")).to_contain_text("bert")
    expect(log.get_by_role("row").filter(has_text="Gruppe angelegt")).to_contain_text("Bauaufsicht Nord")
    assert_accessible(page)
    sign_out(page)

    sign_in_with(page, live_server, authority.slug, "bert", temporary)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort ändern")
    assert_accessible(page)
    page.get_by_label("Vorläufiges Passwort").fill(temporary)
    page.get_by_label("Neues Passwort", exact=True).fill("bert-sein-passwort")
    page.get_by_label("Neues Passwort wiederholen").fill("bert-sein-passwort")
    page.get_by_role("button", name="Passwort ändern").click()
    expect(page.get_by_text("Ihr Passwort ist geändert.")).to_be_visible()
    page.get_by_role("link", name="Aufgaben").first.click()
    expect(page.get_by_role("row").filter(has_text="Vorhaben GRP-0001")).to_have_count(1)
    assert_accessible(page)


def test_a_substitute_completes_the_absent_colleagues_task_until_the_absence_ends(app, live_server, page, authority,
                                                                                  session_factory, monkeypatch):
    anna = ui_user(session_factory, authority, "anna", roles=("clerk", "modeller"), display_name="Anna Alt")
    ui_user(session_factory, authority, "vera", groups=("Widerspruch",), display_name="Vera Vogel")
    cases = deploy_and_start(app, session_factory, anna, new_key(), count=2, prefix="VT")

    log_in(page, live_server, authority, "anna")
    for number in ("VT-0001", "VT-0002"):
        page.get_by_role("row").filter(has_text=f"Vorhaben {number}").get_by_role("button", name=re.compile(
            "Übernehmen")).click()
        page.get_by_role("link", name="Aufgaben").first.click()
    page.get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    assert_accessible(page)
    today = datetime.now(LEGAL_TIME).date()
    page.get_by_label("Erster Tag").fill(today.isoformat())
    page.get_by_role("textbox", name=re.compile("^Letzter Tag")).fill(today.isoformat())
    page.get_by_role("combobox", name=re.compile("^Vertretung")).select_option(label="Vera Vogel")
    page.get_by_role("button", name="Abwesenheit eintragen").click()
    expect(page.get_by_text("Ihre Abwesenheit ist eingetragen.")).to_be_visible()
    expect(page.get_by_role("table", name="Meine eingetragenen Abwesenheiten")).to_contain_text("Vera Vogel")
    assert_accessible(page)
    screenshot(page, "konto-abwesenheit")
    sign_out(page)

    log_in(page, live_server, authority, "vera")
    expect(page.get_by_role("row").filter(has_text="VT-0001")).to_have_count(0)
    page.get_by_role("link", name="Vertretung für Anna Alt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertretung für Anna Alt")
    table = page.get_by_role("table", name=re.compile("^Vertretung für Anna Alt"))
    expect(table.get_by_role("row").filter(has_text="VT-0001")).to_have_count(1)
    expect(table.get_by_role("row").filter(has_text="VT-0002")).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "vertretung-aufgaben")
    table.get_by_role("row").filter(has_text="VT-0001").get_by_role("link", name="Antrag prüfen").click()
    expect(page.get_by_text("Sie bearbeiten diese Aufgabe in Vertretung für Anna Alt.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "vertretung-aufgabe")
    page.get_by_label("Wiedervorlage am").fill((today + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Wiedervorlage speichern").click()
    expect(page.get_by_text("Wiedervorlage gespeichert.")).to_be_visible()
    page.get_by_label("Neue Notiz").fill("Rückruf der Antragstellerin abwarten")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator(".notes")).to_contain_text("Vera Vogel in Vertretung für Anna Alt")
    assert_accessible(page)
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
    page.go_back()  # the task page again, now done; from there to its file
    page.get_by_role("link", name=re.compile(r"\d")).first.click()
    expect(page.get_by_role("heading", name="Historie")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Vera Vogel in Vertretung für Anna Alt")
    assert_accessible(page)
    assert len(open_task_ids(session_factory, cases[0])) == 1  # the case went on to its next task

    # The next day the absence is over: the tab and the remaining task are gone (the engine's clock moves on).
    tomorrow = datetime.combine(today + timedelta(days=1), time(8), tzinfo=LEGAL_TIME).astimezone(timezone.utc)
    monkeypatch.setattr(app.extensions["engine_context"], "clock", lambda: tomorrow)
    page.get_by_role("link", name="Aufgaben").first.click()
    expect(page.get_by_role("link", name="Vertretung für Anna Alt")).to_have_count(0)
    page.goto(f"{live_server}/ui/vertretung")
    expect(page.get_by_text("Sie vertreten zurzeit niemanden.")).to_be_visible()
    expect(page.get_by_text("VT-0002")).to_have_count(0)
    assert_accessible(page)


def test_the_file_plan_is_changed_in_the_ui_and_logged(live_server, page, authority, session_factory):
    ui_user(session_factory, authority, "chefin", roles=("admin",), groups=())
    log_in(page, live_server, authority, "chefin")
    page.get_by_role("link", name="Verwaltung").click()
    page.get_by_role("link", name="Aktenplan").click()
    expect(page.get_by_role("table", name="Einheiten des Aktenplans")).to_contain_text("Allgemeine Verwaltung")
    assert_accessible(page)
    screenshot(page, "verwaltung-aktenplan")
    page.get_by_role("link", name="Einheit 00.01 Allgemeine Verwaltung ändern").click()
    page.get_by_label("Titel").fill("Allgemeine Verwaltung und Organisation")
    page.get_by_label("Aufbewahrungsfrist in Jahren").fill("zwölf")
    page.get_by_role("button", name="Einheit speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Aufbewahrungsfrist in Jahren an")
    expect(page.get_by_label("Titel")).to_have_value("Allgemeine Verwaltung und Organisation")
    assert_accessible(page)
    screenshot(page, "verwaltung-aktenplan-fehler")
    page.get_by_label("Aufbewahrungsfrist in Jahren").fill("12")
    page.get_by_label("B – vom Archiv zu bewerten").check()
    page.get_by_role("button", name="Einheit speichern").click()
    expect(page.get_by_text("Die Einheit 00.01 „Allgemeine Verwaltung und Organisation“ ist gespeichert.")
           ).to_be_visible()
    units = page.get_by_role("table", name="Einheiten des Aktenplans")
    expect(units.get_by_role("row").filter(has_text="00.01")).to_contain_text("12 Jahre")
    expect(units.get_by_role("row").filter(has_text="00.01")).to_contain_text("B – vom Archiv zu bewerten")
    page.get_by_label("Verfahren", exact=True).select_option("*")
    page.get_by_label("Einheit", exact=True).select_option(label="63.01 Baugenehmigungen")
    page.get_by_role("button", name="Zuordnung speichern").click()
    expect(page.get_by_role("table", name="Verfahren und ihre Einheit")).to_contain_text("63.01 Baugenehmigungen")
    assert_accessible(page)
    page.get_by_role("link", name="Zur Verwaltung").click()
    page.get_by_role("link", name="Verwaltungsprotokoll").click()
    log = page.get_by_role("table", name=re.compile("^Änderungen"))
    expect(log).to_contain_text("Aktenplaneinheit geändert")
    expect(log).to_contain_text("Titel: Allgemeine Verwaltung und Organisation")
    expect(log).to_contain_text("Verfahren zugeordnet")
    assert_accessible(page)
    screenshot(page, "verwaltung-protokoll")


def test_one_file_goes_through_offer_appraisal_hand_over_confirmation_and_destruction(app, live_server, page,
                                                                                     authority, session_factory,
                                                                                     tmp_path):
    ui_user(session_factory, authority, "registratur", roles=("admin",), groups=())
    with transaction(session_factory) as session:
        unit = factories.make_unit(session, authority.id, code="80.01", disposal_code="A", retention_years=1)
        akte = factories.make_full_akte(session, app.extensions["document_store"], unit)
        akte_id, aktenzeichen = akte.id, akte.aktenzeichen

    log_in(page, live_server, authority, "registratur")
    page.get_by_role("link", name="Verwaltung").click()
    page.get_by_role("link", name="Aussonderung").click()
    due = page.get_by_role("table", name=re.compile("^Zur Aussonderung fällige Akten"))
    expect(due.get_by_role("row").filter(has_text=aktenzeichen)).to_contain_text("noch nicht angeboten")
    assert_accessible(page)
    screenshot(page, "aussonderung-faellig")
    page.get_by_label(f"{aktenzeichen} anbieten").check()
    page.get_by_role("button", name="Ausgewählte Akten dem Archiv anbieten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akten dem Archiv anbieten")
    assert_accessible(page)
    page.get_by_role("button", name="Anbietungsverzeichnis erstellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anbietung erstellt")
    process_id = page.locator("#prozess-id").inner_text()
    with page.expect_download() as offered:
        page.get_by_role("link", name=re.compile("Anbietungsverzeichnis herunterladen")).click()
    message = Path(offered.value.path()).read_bytes()
    assert validate_xdomea(message) == [] and process_id.encode() in message
    assert_accessible(page)
    screenshot(page, "aussonderung-angeboten")

    appraisal = tmp_path / f"{process_id}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    appraisal.write_bytes(xdomea_messages.appraisal(process_id, [(akte_id, "A")]))  # what the archive sends back
    page.get_by_role("link", name="Zurück zur Aussonderung").click()
    page.get_by_label("Bewertungsverzeichnis des Archivs (XML)").set_input_files(str(appraisal))
    page.get_by_role("button", name="Bewertung übernehmen").click()
    expect(page.get_by_role("table", name="Entscheidungen des Archivs")).to_contain_text("archivwürdig (A)")
    assert_accessible(page)
    page.get_by_role("link", name="Zurück zur Aussonderung").click()

    page.get_by_role("link", name=f"Abgeben: {aktenzeichen}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Akte {aktenzeichen} an das Archiv abgeben")
    assert_accessible(page)
    screenshot(page, "aussonderung-abgeben")
    with page.expect_download() as handed_over:
        page.get_by_role("button", name="Abgabepaket erstellen und herunterladen").click()
    with zipfile.ZipFile(handed_over.value.path()) as package:
        handover_process = next(n for n in package.namelist() if n.endswith("0503.xml")).split("_")[0]
    page.get_by_role("link", name="Zurück zur Aussonderung").click()
    expect(due.get_by_role("row").filter(has_text=aktenzeichen)).to_contain_text(handover_process)

    confirmation = tmp_path / f"{handover_process}_Aussonderung.AussonderungImportBestaetigen.0506.xml"
    confirmation.write_bytes(xdomea_messages.import_confirmation(handover_process, [(akte_id, True, "LAMV 12/3")]))
    page.get_by_label("Importbestätigung des Archivs (XML)").set_input_files(str(confirmation))
    page.get_by_role("button", name="Importbestätigung übernehmen").click()
    expect(page.get_by_text(re.compile("hat die Akte .* übernommen \\(Zeichen LAMV 12/3\\)"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Zurück zur Aussonderung").click()

    page.get_by_role("link", name=f"Vernichten: {aktenzeichen}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Akte {aktenzeichen} vernichten")
    page.get_by_role("button", name="Akte endgültig vernichten").click()  # not confirmed yet
    expect(page.get_by_role("alert")).to_contain_text("Bitte bestätigen Sie")
    assert_accessible(page)
    screenshot(page, "aussonderung-vernichten")
    page.get_by_label(f"Ja, die Akte {aktenzeichen} soll endgültig vernichtet werden.").check()
    page.get_by_role("button", name="Akte endgültig vernichten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akte vernichtet")
    expect(page.get_by_role("status")).to_contain_text(f"Die Akte {aktenzeichen} ist vernichtet")
    assert_accessible(page)
    page.get_by_role("link", name="Zurück zur Aussonderung").click()
    expect(page.get_by_text(aktenzeichen)).to_have_count(0)
