"""End-to-end: a supervisor finds the case a call activity started, follows the links both ways, cancels the parent."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from engine.db import transaction
from engine.models import User
from processes import casework
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_ui_browser import log_in
from tests.engine.conformance import SEMANTICS
from tests.web.ui_helpers import ui_user



def test_supervisor_follows_a_call_to_its_child_case_and_cancels_both(app, live_server, page, authority,
                                                                      session_factory, tmp_path):
    shots = Path(os.environ.get("AKTENFLUSS_SCREENSHOTS", tmp_path))  # 1280 px wide, to look at
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk", "modeller"))
    model = (SEMANTICS / "c3_call_activity" / "call_cancel_parent.bpmn").read_bytes()
    ctx = app.extensions["engine_context"]
    with transaction(session_factory) as session:
        user = session.get(User, boss)
        casework.deploy(session, ctx, {"pruefung.bpmn": model}, user)
        casework.start_case(session, ctx, user, "parent_case", {}, subject="Carport Am Hang")

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, authority, "leitung")
    page.get_by_role("link", name="Aktensuche").click()
    page.get_by_label("Verfahren").select_option("parent_case")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name=re.compile(r"\d")).first.click()
    called = page.get_by_role("table", name="Vorgänge, die dieser Vorgang aufgerufen hat")
    expect(called.get_by_role("row").filter(has_text="Review")).to_contain_text("in Bearbeitung")
    expect(page.get_by_text("Aufgerufenen Vorgang gestartet")).to_be_visible()  # in the history
    expect(page.locator("#diagramm")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#diagramm .djs-element.done")).to_have_count(1)  # start
    expect(page.locator("#diagramm .djs-element.active")).to_have_count(1)  # the call activity waits for its child
    expect(page.locator("#h-ablauf").locator("..")).to_contain_text("Review")  # listed among the waiting steps
    assert_accessible(page)
    page.screenshot(path=str(shots / "case_with_child.png"), full_page=True)

    called.get_by_role("link", name="Review").click()
    expect(page.get_by_text("Aufgerufen von")).to_be_visible()
    expect(page.get_by_role("link", name="Check")).to_be_visible()  # the child's open task
    expect(page.locator("#diagramm")).to_have_attribute("data-rendered", "true")  # the child's own process
    expect(page.locator("#diagramm .djs-element.active")).to_have_count(1)  # check
    assert_accessible(page)
    page.screenshot(path=str(shots / "child_case.png"), full_page=True)

    page.get_by_role("link", name=re.compile("^Parent")).click()
    page.get_by_role("link", name="Vorgang abbrechen …").click()
    expect(page.get_by_text("Auch die Vorgänge, die dieser Vorgang aufgerufen hat")).to_contain_text("Review")
    assert_accessible(page)
    page.screenshot(path=str(shots / "confirm_cancel_with_child.png"), full_page=True)
    page.get_by_label("Grund des Abbruchs").fill("Antrag zurückgenommen")
    page.get_by_role("button", name="Vorgang endgültig abbrechen").click()
    expect(page.get_by_text("Der Vorgang ist abgebrochen.")).to_be_visible()
    called = page.get_by_role("table", name="Vorgänge, die dieser Vorgang aufgerufen hat")
    expect(called.get_by_role("row").filter(has_text="Review")).to_contain_text("abgebrochen")
    assert_accessible(page)
