"""End-to-end: the building permit's four-eyes check in the browser: the agency's statement, a refusal, returned by
the supervisor with a reason, changed by the clerk who decided (the task comes back to her, pre-filled), approved;
the refusal notice and the fee notice are written into the file.

Set-up (API and worker, before any page is opened): the XBau application arrives, the completeness check and the
choice of agencies are made (their list field is the forms branch's work). Everything after that happens in the
browser; the worker runs the automatic steps in between, as the worker process of an installation does. The test
ends where the notices are written and the case waits for the fee to be paid (the applicant's part, in the portal).
"""

from __future__ import annotations

import io
import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from processes.simulators import xbau_antrag as xbau_samples
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_ui_browser import log_in
from tests.eakte import pdf_samples
from tests.processes.procedure_env import deploy, model_files, start_installation
from tests.web.ui_helpers import ui_user


@pytest.fixture(scope="module")
def permit(backend, tmp_path_factory):
    """The installation of the procedure tests (simulators, seal, worker) served on 127.0.0.1."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        inst, simulators = start_installation(tmp_path_factory.mktemp("permit"), backend, monkeypatch)
        with simulators:
            server = make_server("127.0.0.1", 0, inst.app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            yield inst, f"http://127.0.0.1:{server.server_port}"
            server.shutdown()
            thread.join(timeout=5)
        inst.app.extensions["db_engine"].dispose()


def _work(inst) -> int:
    """Run the worker until nothing is due, in a thread of its own: Playwright's event loop occupies this one, and
    sealing a notice (pyHanko) starts an event loop of its own."""
    done = []
    worker = threading.Thread(target=lambda: done.append(inst.drain()))
    worker.start()
    worker.join(timeout=300)
    assert done, "the worker did not finish"
    return done[0]


def _set_up_case(inst, authority, session_factory) -> str:
    """Deploy the building permit, receive an application and run it to the agencies' statements; return its file number."""
    inst.authority_id = authority.id
    api = {name: authority.user(f"api-{name}", roles=("clerk",), groups=groups) for name, groups in (
        ("eingang", ()), ("posteingang", ("Posteingang",)), ("bauaufsicht", ("Bauaufsicht",)))}
    modeller = authority.user("api-modell", roles=("modeller",))
    client = inst.client
    assert deploy(client, modeller, model_files("baugenehmigung")).status_code == 201
    receipt = client.post("/api/v1/intake/xbau", headers=api["eingang"].headers, content_type="multipart/form-data",
                          data={"message": (io.BytesIO(xbau_samples.message_bytes()), "antrag.xml"),
                                "attachment": [(io.BytesIO(pdf_samples.clean()), "Lageplan.pdf"),
                                               (io.BytesIO(pdf_samples.clean() + b"\n%Ansichten"), "Bauzeichnungen.pdf")]})
    assert receipt.status_code == 201, receipt.json
    case_id, aktenzeichen = receipt.json["case_id"], receipt.json["aktenzeichen"]
    _work(inst)
    for actor, bpmn_id, data in (
            ("posteingang", "vollstaendigkeit_pruefen",
             {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 320000}),
            ("bauaufsicht", "beteiligung_festlegen",
             {"fachbehoerden": ["Untere Denkmalschutzbehörde"], "beteiligungsfrist": "P30D"})):
        tasks = client.get(f"/api/v1/cases/{case_id}", headers=api[actor].headers).json["open_tasks"]
        task = next(t for t in tasks if t["bpmn_id"] == bpmn_id)
        headers = api[actor].headers
        assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=headers).status_code == 200
        done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=headers)
        assert done.status_code == 200, done.json
        _work(inst)
    ui_user(session_factory, authority, "frieda", groups=("Fachbehörden",), display_name="Frieda Fach")
    ui_user(session_factory, authority, "berta", groups=("Bauaufsicht",), display_name="Berta Bau")
    ui_user(session_factory, authority, "bruno", groups=("Bauaufsicht",), display_name="Bruno Bau")
    ui_user(session_factory, authority, "lea", roles=("supervisor", "clerk"), groups=("Amtsleitung",),
            display_name="Lea Leitung")
    return aktenzeichen


def _open_task(tab, name: str):
    tab.get_by_role("link", name=name).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(name)
    assert_accessible(tab)


def _sign_out(tab):
    tab.get_by_role("button", name="Abmelden").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Anmelden")


def test_refusal_returned_changed_and_approved(permit, browser, authority, session_factory):
    inst, base = permit
    aktenzeichen = _set_up_case(inst, authority, session_factory)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # The agency's task carries the agency in its name.
    log_in(page, base, authority, "frieda")
    statement = "Stellungnahme abgeben – Untere Denkmalschutzbehörde"
    page.get_by_role("row").filter(has_text=statement).get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(statement)
    assert_accessible(page)
    page.get_by_label("Ergebnis").select_option("Ablehnung")
    page.get_by_label("Begründung", exact=True).fill("Das Vorhaben beeinträchtigt das Baudenkmal Schlossstraße 3.")
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text(f"Aufgabe „{statement}“ erledigt.")).to_be_visible()
    _sign_out(page)
    _work(inst)

    # Berta refuses.
    log_in(page, base, authority, "berta")
    decide = "Über den Bauantrag entscheiden"
    page.get_by_role("row").filter(has_text=decide).get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(decide)
    page.get_by_label("Entscheidung", exact=True).select_option("Ablehnung")
    page.get_by_label("Begründung", exact=True).fill("Denkmalschutz steht entgegen.")
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text(f"Aufgabe „{decide}“ erledigt.")).to_be_visible()
    _sign_out(page)

    # The supervisor sees the decision and returns it; a return needs a reason.
    log_in(page, base, authority, "lea")
    release = "Ablehnung freigeben (Vier-Augen-Prinzip)"
    row = page.get_by_role("row").filter(has_text=release)
    expect(row).to_contain_text("hoch")
    expect(row).to_contain_text("Baugenehmigungsverfahren")
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(release)
    shown = page.locator("section.form-context")  # the decision and its reasons, read-only
    expect(shown).to_contain_text("Entscheidung der Sachbearbeitung")
    expect(shown).to_contain_text("Ablehnung")
    expect(shown).to_contain_text("Denkmalschutz steht entgegen.")
    assert_accessible(page)
    screenshot(page, "vier-augen-freigabe")
    page.get_by_label("An die Sachbearbeitung zurückgeben, die entschieden hat").check()
    page.get_by_role("button", name="Erledigen").click()  # a return needs a reason
    expect(page.get_by_role("alert")).to_contain_text("Begründung der Rückgabe")
    assert_accessible(page)
    page.get_by_label("Begründung der Rückgabe").fill("Bitte prüfen, ob eine Genehmigung mit Auflagen möglich ist.")
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text(f"Aufgabe „{release}“ erledigt.")).to_be_visible()
    _sign_out(page)

    # The decision comes back to Berta (not to her group), with her entries; the remark is in the file.
    log_in(page, base, authority, "bruno")
    expect(page.get_by_role("link", name=decide)).to_have_count(0)  # her colleague does not get it
    _sign_out(page)
    log_in(page, base, authority, "berta")
    row = page.get_by_role("row").filter(has_text=decide)
    expect(row).to_contain_text("Berta Bau")
    _open_task(page, decide)
    expect(page.locator("section.form-context")).to_contain_text(
        "Bitte prüfen, ob eine Genehmigung mit Auflagen möglich ist.")  # the supervisor's remark
    expect(page.get_by_label("Entscheidung", exact=True)).to_have_value("Ablehnung")
    expect(page.get_by_label("Begründung", exact=True)).to_have_value("Denkmalschutz steht entgegen.")
    screenshot(page, "vier-augen-rueckgabe-aufgabe")
    page.get_by_role("link", name="Akte mit Historie öffnen").click()
    expect(page.locator("#h-ablauf").locator("..")).to_contain_text("Entscheidung an die Sachbearbeitung zurückgeben")
    expect(page.get_by_role("table", name="Offene Aufgaben dieser Akte")).to_contain_text("Berta Bau")
    page.go_back()
    page.get_by_label("Begründung", exact=True).fill("Denkmalschutz steht entgegen; Auflagen reichen nach Prüfung nicht aus.")
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text(f"Aufgabe „{decide}“ erledigt.")).to_be_visible()
    _sign_out(page)

    # The supervisor approves; the worker writes and seals the notices, and the case waits for the fee.
    log_in(page, base, authority, "lea")
    _open_task(page, release)
    page.get_by_role("button", name="Übernehmen").click()
    page.get_by_label("Ablehnung freigeben: der Ablehnungsbescheid wird erstellt").check()
    page.get_by_role("button", name="Erledigen").click()
    expect(page.get_by_text(f"Aufgabe „{release}“ erledigt.")).to_be_visible()
    _work(inst)
    page.get_by_role("link", name="Aktensuche").click()
    page.get_by_label("Aktenzeichen").fill(aktenzeichen)
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name=aktenzeichen).click()
    documents = page.get_by_role("table", name=re.compile("^Dokumente der Akte"))
    expect(documents).to_contain_text("Ablehnung")
    expect(documents).to_contain_text("Gebührenbescheid")
    steps = page.locator("#h-ablauf").locator("..")
    expect(steps).to_contain_text("Zahlungseingang abwarten")
    expect(steps).not_to_contain_text("gw_freigabe_join")
    expect(page.locator("#diagramm")).to_have_attribute("data-rendered", "true")
    assert_accessible(page)
    screenshot(page, "vier-augen-akte")
    context.close()
