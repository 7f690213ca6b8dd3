"""End-to-end: the inbox (sortable columns, search by applicant, saved filter), handing a task to a colleague, and a
supervisor who suspends a case, cancels it after confirming with a reason and closes its file; axe-core on each page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.db import transaction
from engine.models import User
from processes import casework
from tests.e2e.conftest import VIEWPORT, assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.web.ui_helpers import new_key, ui_model, ui_user

APPLICANTS = {"Carport Mustermann": ("Erika Mustermann", 20), "Garage Petersen": ("Jens Petersen", 50),
              "Anbau Yılmaz": ("Ayşe Yılmaz", 90)}


def _cases(app, session_factory, clerk_id) -> dict[str, str]:
    """Set-up: three cases of one procedure, each with an applicant and a priority; return case ids by subject."""
    key = new_key()
    ctx = app.extensions["engine_context"]
    ids = {}
    with transaction(session_factory) as session:
        clerk = session.get(User, clerk_id)
        casework.deploy(session, ctx, {f"{key}.bpmn": ui_model(key)}, clerk)
        for subject, (applicant, priority) in APPLICANTS.items():
            case = casework.start_case(session, ctx, clerk, key, {"antragsteller": {"name": applicant}}, subject=subject)
            ids[subject] = case.id
            for task in casework.open_tasks_of(session, case):
                task.priority = priority
    return ids


def _subjects(tab) -> list[str]:
    rows = tab.get_by_role("table", name=re.compile("^Aufgaben")).locator("tbody tr")
    return [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]


def test_clerk_sorts_searches_saves_a_filter_and_hands_a_task_to_a_colleague(app, live_server, page, authority,
                                                                            session_factory):
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    ui_user(session_factory, authority, "tom", display_name="Tom Taube")
    ui_user(session_factory, authority, "bea", groups=("Bauaufsicht",), display_name="Bea Bauer")
    ui_user(session_factory, authority, "mona", roles=("modeller",), display_name="Mona Modell")
    _cases(app, session_factory, clerk)
    log_in(page, live_server, authority, "sabine")
    assert_accessible(page)

    page.get_by_role("link", name="Priorität").click()
    expect(page.get_by_role("columnheader", name=re.compile("Priorität"))).to_have_attribute("aria-sort", "descending")
    assert _subjects(page) == ["Anbau Yılmaz", "Garage Petersen", "Carport Mustermann"]
    expect(page.get_by_role("row").filter(has_text="Anbau Yılmaz")).to_contain_text("hoch")
    expect(page.get_by_role("row").filter(has_text="Carport Mustermann")).to_contain_text("niedrig")
    assert_accessible(page)
    page.get_by_role("link", name="Priorität").click()
    expect(page.get_by_role("columnheader", name=re.compile("Priorität"))).to_have_attribute("aria-sort", "ascending")
    assert _subjects(page) == ["Carport Mustermann", "Garage Petersen", "Anbau Yılmaz"]
    screenshot(page, "eingang-sortiert")

    page.get_by_label("Suche").fill("petersen")  # the applicant's name
    page.get_by_role("button", name="Anzeigen").click()
    assert _subjects(page) == ["Garage Petersen"]
    expect(page.get_by_text("Aufgaben (1 Eintrag)")).to_be_visible()
    page.locator("#gespeicherte-filter > summary").click()  # closed while nothing is saved
    page.get_by_label("Die angezeigte Auswahl speichern als").fill("Petersen")
    page.get_by_role("button", name="Filter speichern").click()
    expect(page.get_by_text("Filter „Petersen“ gespeichert.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Aufgaben", exact=True).click()
    assert len(_subjects(page)) == 3
    page.get_by_role("link", name="Petersen", exact=True).click()  # saved filters are listed open
    assert _subjects(page) == ["Garage Petersen"]
    expect(page.get_by_label("Suche")).to_have_value("petersen")
    screenshot(page, "eingang-filter")

    # Hand-over: only colleagues of the task's group are offered.
    page.get_by_role("row").filter(has_text="Garage Petersen").get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag prüfen")
    colleague = page.get_by_label("An Kollegin oder Kollegen")
    expect(colleague.locator("option")).to_have_text(["bitte wählen", "Tom Taube"])
    assert_accessible(page)
    screenshot(page, "aufgabe-uebergeben")
    colleague.select_option(label="Tom Taube")
    page.get_by_role("button", name="Übergeben").click()
    expect(page.get_by_text("Die Aufgabe ist jetzt Tom Taube zugewiesen.")).to_be_visible()
    expect(page.get_by_text("Diese Aufgabe bearbeitet Tom Taube.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Aufgaben", exact=True).click()
    page.get_by_role("button", name="Filter „Petersen“ löschen").click()
    expect(page.get_by_text("Filter „Petersen“ gelöscht.")).to_be_visible()
    assert_accessible(page)


def test_supervisor_adds_a_colleague_to_the_group_suspends_cancels_and_closes(app, live_server, browser, authority,
                                                                              session_factory):
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    ui_user(session_factory, authority, "bea", groups=("Bauaufsicht",), display_name="Bea Bauer")
    ui_user(session_factory, authority, "lea", roles=("supervisor",), groups=(), display_name="Lea Leitung")
    ids = _cases(app, session_factory, clerk)
    boss = browser.new_context(locale="de-DE", viewport=VIEWPORT).new_page()
    sabine = browser.new_context(locale="de-DE", viewport=VIEWPORT).new_page()
    log_in(boss, live_server, authority, "lea")
    log_in(sabine, live_server, authority, "sabine")

    boss.get_by_label("Bereich").select_option(label="Alle Aufgaben der Behörde")
    boss.get_by_role("button", name="Anzeigen").click()
    boss.get_by_role("row").filter(has_text="Garage Petersen").get_by_role("link", name="Antrag prüfen").click()
    colleague = boss.get_by_label("An Kollegin oder Kollegen")
    colleague.select_option(label="Bea Bauer (Bauaufsicht)")
    boss.get_by_role("button", name="Übergeben").click()  # Bea is not in the group, and that was not chosen
    expect(boss.locator("#kollege-fehler")).to_contain_text("gehört nicht zur Gruppe Sachbearbeitung")
    assert_accessible(boss)
    boss.get_by_label("Zur Gruppe Sachbearbeitung hinzufügen, falls die gewählte Person nicht dazugehört").check()
    boss.get_by_role("button", name="Übergeben").click()
    expect(boss.get_by_text("Die Aufgabe ist jetzt Bea Bauer zugewiesen und zur Gruppe Sachbearbeitung hinzugefügt."))\
        .to_be_visible()
    assert_accessible(boss)

    # Suspend another case: the clerk sees its task as halted and cannot claim it; the file cannot be closed.
    boss.get_by_role("link", name="Aufgaben", exact=True).click()
    boss.get_by_label("Bereich").select_option(label="Alle Aufgaben der Behörde")
    boss.get_by_role("button", name="Anzeigen").click()
    boss.get_by_role("row").filter(has_text="Anbau Yılmaz").get_by_role("link", name="Antrag prüfen").click()
    boss.get_by_role("link", name="Akte mit Historie öffnen").click()
    boss.get_by_label("Begründung für das Anhalten").fill("Rückfrage bei der Denkmalpflege")
    boss.get_by_role("button", name="Vorgang anhalten").click()
    expect(boss.get_by_text("Der Vorgang ist angehalten.")).to_be_visible()
    expect(boss.get_by_text("1 Vorgang ist angehalten")).to_be_visible()
    assert_accessible(boss)
    sabine.reload()
    halted = sabine.get_by_role("row").filter(has_text="Anbau Yılmaz")
    expect(halted).to_contain_text("angehalten")
    expect(halted.get_by_role("button")).to_have_count(0)
    halted.get_by_role("link", name="Antrag prüfen").click()
    expect(sabine.get_by_text("Die Leitung hat diesen Vorgang angehalten.")).to_be_visible()
    assert_accessible(sabine)

    # Cancel: on a page of its own, with a reason of its own.
    boss.get_by_role("link", name="Vorgang abbrechen …").click()
    expect(boss.get_by_role("heading", level=1)).to_contain_text("abbrechen")
    assert_accessible(boss)
    boss.get_by_role("button", name="Vorgang endgültig abbrechen").click()
    summary = boss.get_by_role("alert")
    summary.get_by_role("link", name="Bitte geben Sie an, warum der Vorgang abgebrochen wird.").click()
    expect(boss.get_by_label("Grund des Abbruchs")).to_be_focused()
    assert_accessible(boss)
    boss.get_by_label("Grund des Abbruchs").fill("Antrag zurückgenommen")
    boss.get_by_role("button", name="Vorgang endgültig abbrechen").click()
    expect(boss.get_by_text("Der Vorgang ist abgebrochen. Seine offenen Aufgaben sind beendet.")).to_be_visible()
    expect(boss.locator("#h-historie").locator("..")).to_contain_text("Begründung: „Antrag zurückgenommen“")

    # Close the file (zdA), confirmed on its own page.
    boss.get_by_role("link", name="Akte schließen …").click()
    expect(boss.get_by_role("heading", level=1)).to_contain_text("schließen (zdA)")
    assert_accessible(boss)
    boss.get_by_role("button", name="Akte jetzt schließen").click()
    expect(boss.get_by_text("ist geschlossen (zdA) und jetzt schreibgeschützt")).to_be_visible()
    assert_accessible(boss)
    screenshot(boss, "akte-abgebrochen-geschlossen")
    assert ids["Anbau Yılmaz"] in boss.url
    boss.context.close()
    sabine.context.close()
