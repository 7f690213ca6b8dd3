"""What the browser tests of the bundled procedures share: an installation served over HTTP, and a desk per person.

The installation is the one the procedure tests use (tests/processes/procedure_env.py): the app configured like
production, with the specialist-system simulators, a seal, and the bundled models. It is served on 127.0.0.1; the
worker runs in the test process after each step a person takes (``drain``), as the product's background worker
would. After the set-up (authority, file plan, users, deployed procedures) everything happens in the browser: each
person works at a ``Desk`` (their own browser context), every page they see is checked with axe-core, and no page
may break its Content-Security-Policy.
"""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from engine import definitions
from engine.db import transaction
from tests.e2e.conftest import VIEWPORT, assert_accessible, screenshot
from tests.processes.procedure_env import model_files, start_installation
from tests.web.ui_helpers import PASSWORD


@pytest.fixture(scope="module")
def installation(backend, tmp_path_factory):
    """App, simulators and seal for one test module; the app served on a free port of 127.0.0.1."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        inst, simulators = start_installation(tmp_path_factory.mktemp("installation"), backend, monkeypatch)
        with simulators:
            server = make_server("127.0.0.1", 0, inst.app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            inst.base_url = f"http://127.0.0.1:{server.server_port}"
            try:
                yield inst
            finally:
                server.shutdown()
                thread.join(timeout=5)
        inst.app.extensions["db_engine"].dispose()


def deploy_procedures(installation, authority, *procedures: str) -> None:
    """Set-up: deploy bundled procedures for the authority; its worker works only on this authority."""
    installation.authority_id = authority.id
    with transaction(installation.app.extensions["db_sessions"]) as session:
        for procedure in procedures:
            definitions.deploy(session, model_files(procedure), authority_id=authority.id, deployed_by="setup")


class Desk:
    """One person signed in to the UI in a browser context of their own."""

    def __init__(self, browser, installation, authority, username: str):
        self.installation, self.base = installation, installation.base_url
        self.context = browser.new_context(locale="de-DE", viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.violations: list[str] = []
        self.page.on("console", lambda message: self.violations.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.page.goto(f"{self.base}/ui/anmelden")
        self.check()
        self.page.get_by_label("Behörde (Kürzel)").fill(authority.slug)
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort").fill(PASSWORD)
        self.page.get_by_role("button", name="Anmelden").click()
        expect(self.page.get_by_role("link", name="Abmelden").or_(
            self.page.get_by_role("button", name="Abmelden"))).to_be_visible()
        self.check()

    def check(self) -> None:
        """axe-core on the current page (0 violations), and no broken Content-Security-Policy so far."""
        assert_accessible(self.page)
        assert not self.violations, "the page broke its Content-Security-Policy:\n" + "\n".join(self.violations)

    def shot(self, name: str) -> None:
        """Screenshot of the current page for reviewers (tests/e2e/conftest.py: screenshot)."""
        screenshot(self.page, name)

    def menu(self, name: str) -> None:
        """Follow an entry of the main navigation."""
        self.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=name, exact=True).click()
        self.check()

    def open_task(self, name: str, aktenzeichen: str) -> None:
        """Open a task of the case from the inbox (the row with the case's Aktenzeichen and the task's name)."""
        self.menu("Aufgaben")
        row = self.page.get_by_role("row").filter(has_text=aktenzeichen).filter(
            has=self.page.get_by_role("link", name=re.compile(re.escape(name))))
        expect(row).to_have_count(1)
        row.get_by_role("link", name=re.compile(re.escape(name))).click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(name)
        self.check()

    def claim(self) -> None:
        """Take over the open task."""
        self.page.get_by_role("button", name="Übernehmen", exact=True).click()
        expect(self.page.get_by_role("button", name="Erledigen")).to_be_visible()
        self.check()

    def complete(self, name: str) -> None:
        """Submit the task form; the task is done, and the worker runs what follows."""
        self.page.get_by_role("button", name="Erledigen").click()
        expect(self.page.get_by_text(re.compile(f"Aufgabe „{re.escape(name)}.*“ erledigt"))).to_be_visible()
        self.check()
        self.drain()

    def drain(self, **options) -> None:
        """Let the worker run what is due (``Installation.drain``), in a thread of its own: Playwright's
        synchronous API keeps an asyncio loop running in this thread, and sealing a notice (pyHanko) runs one."""
        failure: list[BaseException] = []

        def work():
            try:
                self.installation.drain(**options)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                failure.append(exc)

        worker = threading.Thread(target=work, name="e2e-worker")
        worker.start()
        worker.join(timeout=300)
        if failure:
            raise failure[0]

    def open_case(self, aktenzeichen: str) -> None:
        """Open the case's file from the link on a page that shows its Aktenzeichen."""
        self.page.get_by_role("link", name=aktenzeichen, exact=True).first.click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(aktenzeichen)
        self.check()

    def close(self) -> None:
        """Close the browser context; fail if a page broke its Content-Security-Policy."""
        self.context.close()
        assert not self.violations, "a page broke its Content-Security-Policy:\n" + "\n".join(self.violations)


def started_aktenzeichen(desk: Desk) -> str:
    """Read the new case's Aktenzeichen from the case page a start leads to."""
    heading = desk.page.get_by_role("heading", level=1).inner_text()
    match = re.search(r"\d{2}\.\d{2}-\d{4}-\d{6}", heading)
    assert match, f"no Aktenzeichen in '{heading}'"
    return match.group(0)
