"""End-to-end: clerk, modeller and supervisor work in a real browser; every page passes axe-core."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import update

from engine.db import transaction
from engine.models import User, UserTask
from processes import casefile
from tests.e2e.conftest import assert_accessible, screenshot
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.test_ui_incidents import _failed_case
from tests.web.ui_helpers import PASSWORD, deploy_and_start, new_key, open_task_ids, ui_user
from tests.web.test_ui_modeller_supervisor import BROKEN


def log_in(tab, base: str, authority, username: str, start_page: str = "Aufgaben") -> None:
    tab.goto(f"{base}/ui/anmelden")
    assert_accessible(tab)
    tab.get_by_label("Behörde (Kürzel)").fill(authority.slug)
    tab.get_by_label("Benutzername").fill(username)
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(start_page)


def test_clerk_claims_uploads_a_pdf_and_completes_a_task_which_leaves_the_inbox(app, live_server, page, authority,
                                                                                 session_factory, tmp_path):
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    [case_id] = deploy_and_start(app, session_factory, clerk, new_key(), prefix="E2E")
    log_in(page, live_server, authority, "sabine")
    assert_accessible(page)
    row = page.get_by_role("row").filter(has_text="Vorhaben E2E-0001")
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag prüfen")
    assert_accessible(page)
    page.get_by_label("Neue Notiz").fill("Unterlagen geprüft")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.get_by_text("Notiz gespeichert.")).to_be_visible()

    not_a_pdf = tmp_path / "archiv.pdf"
    not_a_pdf.write_bytes(b"PK\x03\x04" + bytes(200))
    page.get_by_label("Betreff").fill("Lageplan")
    page.get_by_label("Dokumentart").select_option("Bauvorlage")
    page.get_by_label("Datei", exact=False).set_input_files(str(not_a_pdf))
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#datei-fehler")).to_contain_text("werden nicht angenommen")
    assert_accessible(page)
    lageplan = tmp_path / "Lageplan.pdf"
    lageplan.write_bytes(pdf_bytes())
    page.get_by_label("Datei", exact=False).set_input_files(str(lageplan))
    page.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_text("Dokument „Lageplan“ abgelegt (Lageplan.pdf).")).to_be_visible()
    documents = page.get_by_role("table", name=re.compile("^Dokumente der Akte"))  # every document of the file
    expect(documents.get_by_role("link", name="Lageplan, Version 1 herunterladen")).to_be_visible()
    expect(page.get_by_text("In dieser Aufgabe abgelegt: Lageplan.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        documents.get_by_role("link", name="Lageplan, Version 1 herunterladen").click()
    assert download.value.suggested_filename == "Lageplan.pdf"
    assert Path(download.value.path()).read_bytes() == lageplan.read_bytes()
    page.get_by_role("link", name="Akte mit Historie öffnen").click()
    expect(page.get_by_role("table", name=re.compile("^Dokumente der Akte"))).to_contain_text("Lageplan")
    expect(page.get_by_text("Die Akte kann erst geschlossen werden, wenn alle ihre Vorgänge beendet sind")).to_be_visible()
    assert_accessible(page)
    page.go_back()

    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("link", name="Antrag prüfen")).to_have_count(0)
    expect(page.get_by_role("link", name="Bescheid erstellen")).to_have_count(1)
    assert len(open_task_ids(session_factory, case_id)) == 1


def test_modeller_uploads_a_broken_model_and_sees_the_problems(live_server, page, authority, session_factory, tmp_path):
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    log_in(page, live_server, authority, "mona", start_page="Prozessmodelle")  # modellers start on their models
    page.get_by_role("link", name="Prozessmodelle").click()
    assert_accessible(page)
    broken = tmp_path / "kaputt.bpmn"
    broken.write_bytes(BROKEN)
    page.get_by_label("Dateien des Verfahrens oder ein ZIP-Archiv").set_input_files(str(broken))
    page.get_by_role("button", name="Hochladen und prüfen").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nicht bereitgestellt")
    expect(alert).to_contain_text("gibt_es_nicht")
    assert_accessible(page)


def test_supervisor_opens_history_and_diagram(app, live_server, page, authority, session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk", "modeller"))
    deploy_and_start(app, session_factory, boss, new_key(), prefix="SUP")
    log_in(page, live_server, authority, "leitung")
    page.get_by_role("link", name="Aktensuche").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"\d")).first.click()
    expect(page.get_by_role("heading", name="Historie")).to_be_visible()
    expect(page.get_by_text("Vorgang begonnen")).to_be_visible()
    diagram = page.locator("#diagramm")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(page.locator("#diagramm .djs-element.done")).to_have_count(2)  # start, eingang
    expect(page.locator("#diagramm .djs-element.active")).to_have_count(1)  # pruefen
    expect(page.get_by_role("heading", name="Vorgang steuern")).to_be_visible()
    assert_accessible(page)
    # The case still runs: closing the file is not offered, the page says why.
    expect(page.get_by_text("Die Akte kann erst geschlossen werden, wenn alle ihre Vorgänge beendet sind")).to_be_visible()
    expect(page.get_by_role("link", name="Akte schließen …")).to_have_count(0)
    page.get_by_role("link", name="Kennzahlen").click()
    assert_accessible(page)
    page.get_by_role("link", name="Prozessmodelle").click()
    page.get_by_role("link", name=re.compile("^ui_")).first.click()
    expect(page.locator("#diagramm")).to_have_attribute("data-rendered", "true")
    assert_accessible(page)


def test_clerk_of_another_authority_cannot_open_the_case(app, live_server, page, authority, other_authority,
                                                         session_factory):
    owner = ui_user(session_factory, authority, "anna")
    [case_id] = deploy_and_start(app, session_factory, owner, new_key())
    ui_user(session_factory, other_authority, "bert")
    log_in(page, live_server, other_authority, "bert")
    response = page.goto(f"{live_server}/ui/akten/{case_id}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Nicht gefunden")
    assert_accessible(page)
    assert page.goto(f"{live_server}/ui/akten/{case_id}/diagramm.bpmn").status == 404


def test_supervisor_retries_an_incident(app, live_server, page, authority, session_factory):
    case, state, _ = _failed_case(app, app.test_client(), authority, session_factory)
    ui_user(session_factory, authority, "leitung", roles=("supervisor",))
    log_in(page, live_server, authority, "leitung")
    page.get_by_role("link", name="Störungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Störungen")
    row = page.get_by_role("row").filter(has_text=case["business_key"])
    expect(row).to_contain_text("Fachverfahren nicht erreichbar")
    assert_accessible(page)
    state["down"] = False
    row.get_by_role("button", name=re.compile("Erneut versuchen")).click()
    expect(page.get_by_text("Der Schritt wird erneut versucht.")).to_be_visible()
    assert_accessible(page)


def test_clerk_makes_a_notice_available_and_sees_the_delivery(app, live_server, page, authority, session_factory):
    clerk_id = ui_user(session_factory, authority, "sabine")
    [case_id] = deploy_and_start(app, session_factory, clerk_id, new_key())
    with transaction(session_factory) as session:
        casefile.upload_document(session, app.extensions["document_store"], session.get(User, clerk_id), case_id,
                                 data=pdf_bytes(), filename="Bescheid.pdf", subject="Baugenehmigung",
                                 doc_type="Bescheid", direction="outgoing",
                                 now=app.extensions["engine_context"].clock())
    log_in(page, live_server, authority, "sabine")
    page.goto(f"{live_server}/ui/akten/{case_id}")
    expect(page.get_by_text("Aus dieser Akte wurde noch nichts zum Abruf bereitgestellt.")).to_be_visible()
    page.get_by_role("button", name="Zum Abruf bereitstellen").click()  # no recipient: the browser asks for one
    page.get_by_label("Empfänger/in").fill("Erika Mustermann")
    page.get_by_role("button", name="Zum Abruf bereitstellen").click()
    expect(page.get_by_text("Dieser Link wird nur jetzt und nur einmal angezeigt.")).to_be_visible()
    expect(page.get_by_label("Link zum Abruf")).to_have_value(re.compile(r"/api/v1/delivery/[^/]+/content$"))
    deliveries = page.get_by_role("table", name=re.compile("^Zustellungen der Akte"))
    expect(deliveries).to_contain_text("zum Abruf bereit")
    assert_accessible(page)


def test_protocol_of_a_completed_task_shows_as_pending_until_its_pdf_is_made(app, live_server, page, authority,
                                                                              session_factory):
    ui_user(session_factory, authority, "paula", display_name="Paula Protokoll")
    deploy_and_start(app, session_factory, ui_user(session_factory, authority, "starter"), new_key(), prefix="PDF")
    log_in(page, live_server, authority, "paula")
    page.get_by_role("row").filter(has_text="Vorhaben PDF-0001").get_by_role("button", name=re.compile("Übernehmen")).click()
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text("Aufgabe „Antrag prüfen“ erledigt.")).to_be_visible()
    page.get_by_role("link", name="Bescheid erstellen").click()
    page.get_by_role("link", name="Akte mit Historie öffnen").click()

    documents = page.get_by_role("table", name=re.compile("^Dokumente der Akte"))
    protocol = documents.get_by_role("row").filter(has_text="Protokoll: Antrag prüfen")
    expect(protocol).to_contain_text("PDF-Fassung wird erstellt")  # the worker has not made it yet
    assert_accessible(page)
    screenshot(page, "akte-protokoll-pdf-wird-erstellt")

    with page.expect_download() as download:
        protocol.get_by_role("link", name="Protokoll: Antrag prüfen, Version 1 herunterladen").click()
    assert download.value.suggested_filename == "protokoll.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")  # made at once for the reader
    page.reload()
    protocol = page.get_by_role("table", name=re.compile("^Dokumente der Akte")).get_by_role("row").filter(
        has_text="Protokoll: Antrag prüfen")
    expect(protocol).not_to_contain_text("PDF-Fassung wird erstellt")
    expect(protocol.get_by_role("link", name="Original wie eingegangen")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "akte-protokoll-pdf-fertig")


def test_clerk_finds_a_case_without_an_open_task_by_the_applicants_name(app, live_server, page, authority,
                                                                         session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"))
    ui_user(session_factory, authority, "telefon", display_name="Tom Telefon", groups=())
    [case_id] = deploy_and_start(app, session_factory, boss, new_key(), prefix="RUF")
    with transaction(session_factory) as session:
        session.execute(update(UserTask).where(UserTask.case_id == case_id).values(applicant="Jens Petersen"))

    log_in(page, live_server, authority, "telefon")
    expect(page.get_by_text("Vorhaben RUF-0001")).to_have_count(0)  # nothing of this case in his inbox
    page.get_by_role("link", name="Aktensuche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktensuche")
    assert_accessible(page)
    page.get_by_label("Suche", exact=True).fill("petersen")
    page.get_by_role("button", name="Suchen").click()
    results = page.get_by_role("table", name=re.compile("Gefundene Akten"))
    expect(results.get_by_role("row")).to_have_count(2)  # heading and one case
    expect(results).to_contain_text("Vorhaben RUF-0001")
    screenshot(page, "aktensuche-sachbearbeitung")
    assert_accessible(page)
    results.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Akte")
    expect(page.get_by_text("Vorhaben RUF-0001").first).to_be_visible()
    assert_accessible(page)

    page.go_back()
    page.get_by_label("Begonnen ab").fill("2030-01-01")
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_text("Keine Akten gefunden.")).to_be_visible()
    assert_accessible(page)
