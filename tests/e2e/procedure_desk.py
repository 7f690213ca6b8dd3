"""What the browser tests of the bundled procedures share: an installation served over HTTP, and a desk per person.

The installation (fixture ``installation`` in tests/e2e/conftest.py) is the one the procedure tests use: the app
configured like production, with the specialist-system simulators, a seal, and the bundled models, served on 127.0.0.1; the
worker runs in the test process after each step a person takes (``drain``), as the product's background worker
would. After the set-up (authority, file plan, users, deployed procedures) everything happens in the browser: each
person works at a ``Desk`` (their own browser context), every page they see is checked with axe-core, and no page
may break its Content-Security-Policy.
"""

from __future__ import annotations

import re
import threading

from playwright.sync_api import expect

from engine import definitions
from engine.db import transaction
from tests.e2e.conftest import VIEWPORT, assert_accessible, screenshot
from tests.processes.procedure_env import model_files
from tests.web.ui_helpers import PASSWORD


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

    def find_case(self, aktenzeichen: str) -> None:
        """Find a case by its Aktenzeichen in the Posteingang (a clerk's way to any case of the authority)."""
        self.menu("Posteingang")
        self.page.get_by_label("Aktenzeichen").fill(aktenzeichen)
        self.page.get_by_role("button", name="Vorgang suchen").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(aktenzeichen)
        self.check()

    def hand_in(self, aktenzeichen: str, subject: str, doc_type: str, path) -> None:
        """Record documents handed in on paper as what the case waits for; the case goes on."""
        self.find_case(aktenzeichen)
        expect(self.page.get_by_label("Das ist der erwartete Eingang: Nachreichung abwarten")).to_be_checked()
        self.page.get_by_label("Betreff").fill(subject)
        self.page.get_by_label("Dokumentart").select_option(doc_type)
        self.page.get_by_label("Dateien").set_input_files(str(path))
        self.page.get_by_role("button", name="Eingang erfassen").click()
        expect(self.page.get_by_text(re.compile("Der Vorgang geht weiter"))).to_be_visible()
        self.check()
        self.drain()

    def check_closed_file(self, aktenzeichen: str, *documents: str) -> None:
        """The case is finished, its file closed (zdA), and the documents are in it (case page, by subject)."""
        self.find_case(aktenzeichen)
        self.open_case(aktenzeichen)
        expect(self.page.get_by_role("region", name="Überblick")).to_contain_text("abgeschlossen")
        expect(self.page.get_by_text("geschlossen (zdA)").first).to_be_visible()
        listed = self.page.get_by_role("table", name=f"Dokumente der Akte {aktenzeichen}")
        for subject in documents:
            expect(listed).to_contain_text(subject)

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
