"""A package made with Camunda Modeler (C8: forms linked by zeebe:formDefinition formId and an embedded
zeebe:userTaskForm; C7: camunda:formRef and camunda:formKey) is uploaded by a modeller on "Prozessmodelle"; a clerk
starts a case with its start form in "Neuer Vorgang" and completes both tasks with their form-js forms. Through the
UI alone after the set-up (users, the package's files on disk); axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from tests.conftest import unique_key
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.processes.packages.helpers import camunda_package
from tests.web.ui_helpers import ui_user


def _claim(tab, aktenzeichen: str, task: str) -> None:
    tab.get_by_role("link", name="Aufgaben").first.click()
    row = tab.get_by_role("row").filter(has_text=aktenzeichen).filter(has_text=task)
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(task)
    assert_accessible(tab)


def _applicant(tab) -> None:
    tab.get_by_label("Name der Antragstellerin oder des Antragstellers").fill("Erika Mustermann")
    address = tab.get_by_role("group", name="Anschrift")
    address.get_by_label("Straße und Hausnummer").fill("Am Markt 1")
    address.get_by_label("Postleitzahl").fill("19055")
    address.get_by_label("Ort").fill("Schwerin")


@pytest.mark.parametrize("model", ["antrag_c8", "antrag_c7"])
def test_camunda_modeler_package_is_uploaded_started_and_worked_in_the_browser(live_server, page, authority,
                                                                               session_factory, tmp_path, model):
    key = unique_key("camunda").replace("-", "_")
    folder = tmp_path / key
    folder.mkdir()
    for name, content in camunda_package(model, key).items():
        (folder / name).write_bytes(content)
    title = "Antrag (Camunda 8)" if model == "antrag_c8" else "Antrag (Camunda 7)"
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    ui_user(session_factory, authority, "anna", display_name="Anna Amt", groups=("Sachbearbeitung",))

    log_in(page, live_server, authority, "mona", start_page="Prozessmodelle")
    page.get_by_label("Dateien des Verfahrens oder ein ZIP-Archiv").set_input_files(
        [str(path) for path in sorted(folder.iterdir())])
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{title} – Version 1")
    expect(page.locator("dd", has_text=f"{model}.bpmn")).to_contain_text("antrag-pruefung.form")
    assert_accessible(page)
    page.get_by_role("button", name="Abmelden").click()

    # The clerk starts the case with the package's start form; a wrong postcode is refused with the form's message.
    log_in(page, live_server, authority, "anna")
    page.get_by_role("link", name="Neuer Vorgang").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Neuer Vorgang: {title}")
    assert_accessible(page)
    page.get_by_label("Betreff").fill("Antrag Mustermann")
    page.get_by_label("E-Mail", exact=True).first.check()
    _applicant(page)
    page.get_by_role("group", name="Anschrift").get_by_label("Postleitzahl").fill("1905")
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_role("alert")).to_contain_text("Postleitzahl: Bitte fünf Ziffern eingeben.")
    assert_accessible(page)
    page.get_by_role("group", name="Anschrift").get_by_label("Postleitzahl").fill("19055")
    page.get_by_role("button", name="Vorgang anlegen").click()
    created = page.get_by_text(re.compile(r"Vorgang \S+ angelegt\."))
    expect(created).to_be_visible()
    aktenzeichen = re.search(r"Vorgang (\S+) angelegt", created.inner_text()).group(1)

    # The review task: text with case data, a checkbox group, a radio with a dependent field, money, a date, rows.
    _claim(page, aktenzeichen, "Antrag prüfen")
    expect(page.locator("section.form-context")).to_contain_text("Antrag von Erika Mustermann")
    page.get_by_role("group", name="Vorgelegte Nachweise").get_by_label("Lageplan").check()
    expect(page.get_by_label("Begründung der Ablehnung")).to_be_hidden()  # only for a refusal
    page.get_by_role("group", name="Entscheidung").get_by_label("Ablehnen").check()
    page.get_by_label("Begründung der Ablehnung").fill("Der Abstand zur Grenze ist zu gering.")
    page.get_by_label("Gebühr").fill("120,50")
    page.get_by_label("Frist für Nachreichungen").fill("2026-05-04")
    page.get_by_role("group", name="Auflagen").get_by_label("Auflage", exact=True).fill("Stellplatz nachweisen")
    screenshot(page, f"camunda-{model}-pruefen")
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
    assert_accessible(page)

    # The follow-up: C8's embedded form, C7's form named by camunda:formKey.
    _claim(page, aktenzeichen, "Nachfassen")
    if model == "antrag_c8":
        page.get_by_label("Rückfrage an die Antragstellerin").fill("Bitte den Lageplan ergänzen.")
        page.get_by_label("Antwort erhalten").check()
    else:
        _applicant(page)
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text("Aufgabe „Nachfassen“ erledigt.")).to_be_visible()
    assert_accessible(page)

    with transaction(session_factory) as session:
        case = session.scalar(select(Case).where(Case.business_key == aktenzeichen, Case.authority_id == authority.id))
        assert case.status == "completed" and case.channel == "email"
        assert case.data["nachweise"] == ["lageplan"] and case.data["entscheidung"] == "abgelehnt"
        assert case.data["gebuehr"] == 120.5 and case.data["frist"] == "2026-05-04"
        assert case.data["auflagen"] == [{"text": "Stellplatz nachweisen", "erfuellt": False}]
        assert case.data["anschrift"]["plz"] == "19055"
        if model == "antrag_c8":
            assert case.data["rueckfrage"] == "Bitte den Lageplan ergänzen." and case.data["antwort_da"] is True
