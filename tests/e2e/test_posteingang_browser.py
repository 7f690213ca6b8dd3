"""End-to-end: a clerk records documents handed in on paper for a waiting case; the case goes on."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from engine.db import transaction
from engine.models import User
from processes import casework
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import UI_MODELS, open_task_ids, ui_user


def test_clerk_records_paper_documents_for_a_waiting_case(app, live_server, page, authority, session_factory,
                                                         tmp_path):
    clerk_id = ui_user(session_factory, authority, "paula", groups=("Posteingang",), display_name="Paula Post")
    key = f"ui_nachreichung_{uuid.uuid4().hex[:8]}"
    model = (UI_MODELS / "ui_nachreichung.bpmn").read_bytes().replace(b'id="ui_nachreichung"', f'id="{key}"'.encode())
    with transaction(session_factory) as session:
        clerk = session.get(User, clerk_id)
        casework.deploy(session, app.extensions["engine_context"], {f"{key}.bpmn": model}, clerk)
        case = casework.start_case(session, app.extensions["engine_context"], clerk, key, {}, subject="Carport")
        case_id, aktenzeichen = case.id, case.business_key
    statik = tmp_path / "Statik.pdf"
    statik.write_bytes(pdf_bytes())

    log_in(page, live_server, authority, "paula")
    page.get_by_role("link", name="Posteingang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Posteingang zuordnen")
    assert_accessible(page)
    page.get_by_label("Aktenzeichen").fill("63.01-0000-000000")
    page.get_by_role("button", name="Vorgang suchen").click()
    expect(page.get_by_role("alert")).to_contain_text("keinen Vorgang")
    assert_accessible(page)
    page.get_by_label("Aktenzeichen").fill(aktenzeichen)
    page.get_by_role("button", name="Vorgang suchen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Posteingang für {aktenzeichen}")
    expect(page.get_by_label("Das ist der erwartete Eingang: Nachreichung abwarten")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Eingang erfassen").click()  # nothing entered: errors, linked from the summary
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Betreff: Bitte einen Betreff eingeben.")
    summary.get_by_role("link", name="Dateien: Bitte mindestens eine Datei auswählen.").click()
    expect(page.get_by_label("Dateien")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "posteingang-fehler")
    page.get_by_label("Betreff").fill("Standsicherheitsnachweis")
    page.get_by_label("Dokumentart").select_option("Bauvorlage")
    page.get_by_label("Dateien").set_input_files(str(statik))
    page.get_by_role("button", name="Eingang erfassen").click()
    expect(page.get_by_text(f"Eingang zu {aktenzeichen} erfasst: 1 Dokument abgelegt. Der Vorgang geht weiter")
           ).to_be_visible()
    expect(page.get_by_role("table", name="Offene Aufgaben dieser Akte")).to_contain_text(
        "Nachgereichte Unterlagen prüfen")
    assert_accessible(page)
    screenshot(page, "posteingang-erfasst")
    assert len(open_task_ids(session_factory, case_id)) == 1
