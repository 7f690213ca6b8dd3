"""Marriage registration worked in the browser alone: the registry office enters the registration of intent at the
counter, checks the documents (once with a document handed in later), fixes the appointment; on the day the
registrar performs the marriage; the entry, the certificates for both spouses, the notifications and zdA follow.
After the set-up (authority, file plan, user, deployed procedure) no API call and no database write."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from playwright.sync_api import expect

from processes.personenstand.services import REGISTER_TIMEZONE
from tests.e2e.procedure_desk import Desk, deploy_procedures, started_aktenzeichen
from tests.processes.personenstand_env import load_civil_status_plan
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import ui_user

PARTNERS = {
    "Erste Person": {"name": "Schulz", "vornamen": "Anna Marie", "geboren": "1992-01-23", "ort": "Wismar"},
    "Zweite Person": {"name": "Yılmaz", "vornamen": "Mehmet", "geboren": "1989-11-02", "ort": "Hamburg"},
}


@pytest.fixture()
def standesamt(installation, authority, session_factory, browser):
    """Set-up: the registry office's file plan, its registrar, the marriage procedure; the registrar signed in."""
    load_civil_status_plan(session_factory, authority)
    ui_user(session_factory, authority, "sabine", groups=("Standesamt",), display_name="Sabine Standesbeamtin")
    deploy_procedures(installation, authority, "eheschliessung")
    desk = Desk(browser, installation, authority, "sabine")
    yield desk
    desk.close()


def _register_intent(desk: Desk) -> str:
    desk.menu("Neuer Vorgang")
    desk.page.get_by_role("link", name="Eheschließung").click()
    desk.check()
    page = desk.page
    page.get_by_label("Betreff").fill("Eheschließung Schulz / Yılmaz")
    page.get_by_label("Schalter / vor Ort").check()
    for group_name, person in PARTNERS.items():
        group = page.get_by_role("group", name=group_name)
        group.get_by_label("Familienname").fill(person["name"])
        group.get_by_label("Vornamen").fill(person["vornamen"])
        group.get_by_label("Geburtsdatum").fill(person["geboren"])
        group.get_by_label("Geburtsort").fill(person["ort"])
    address = page.get_by_role("group", name="Erste Person").get_by_role("group", name="Anschrift")
    address.get_by_label("Straße und Hausnummer").fill("Mecklenburgstraße 40")
    address.get_by_label("Postleitzahl").fill("19053")
    address.get_by_label("Ort", exact=True).fill("Schwerin")
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_text(re.compile("Vorgang .* angelegt"))).to_be_visible()
    desk.check()
    aktenzeichen = started_aktenzeichen(desk)
    assert aktenzeichen.startswith("34.02-")
    desk.drain()
    return aktenzeichen


def _appoint(desk: Desk, aktenzeichen: str) -> datetime:
    """Fix the appointment three weeks ahead at 11:30; return when it begins (UTC)."""
    day = (datetime.now(REGISTER_TIMEZONE) + timedelta(days=21)).date()
    desk.open_task("Trautermin festlegen", aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Datum der Eheschließung").fill(day.isoformat())
    desk.page.get_by_label("Uhrzeit").fill("11:30")
    desk.page.get_by_label("Trauort").select_option("Schloss Schwerin, Trausaal")
    desk.complete("Trautermin festlegen")
    return datetime(day.year, day.month, day.day, 11, 30, tzinfo=REGISTER_TIMEZONE).astimezone(timezone.utc)


def _perform_marriage(desk: Desk, aktenzeichen: str, begins: datetime) -> None:
    # The day comes: the worker's clock passes the appointment and the timer opens the registrar's task.
    with time_machine.travel(begins + timedelta(minutes=1), tick=True):
        desk.drain(limit=1)
    name = "Eheschließung vornehmen"
    desk.open_task(name, aktenzeichen)
    desk.claim()
    page = desk.page
    page.get_by_label("Die Ehe wurde geschlossen").check()
    page.get_by_label("Bestimmter Ehename (weglassen: keine Bestimmung)").fill("Schulz")
    witnesses = page.get_by_role("group", name="Trauzeuginnen und Trauzeugen")
    witnesses.get_by_role("textbox").nth(0).fill("Sophie Krüger")
    page.get_by_role("button", name=re.compile("Weitere Zeile hinzufügen")).click()  # the form posts back, no script
    expect(witnesses.get_by_role("textbox").nth(0)).to_have_value("Sophie Krüger")
    witnesses.get_by_role("textbox").nth(1).fill("Jens Petersen")
    expect(page.get_by_role("button", name=re.compile("Weitere Zeile hinzufügen"))).to_have_count(0)  # two at most
    desk.shot("eheschliessung-vornehmen")
    desk.complete(name)


def test_marriage_registered_in_the_browser(standesamt):
    desk = standesamt
    aktenzeichen = _register_intent(desk)
    desk.open_task("Unterlagen prüfen", aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Die Unterlagen sind vollständig, die Ehefähigkeit ist geprüft").check()
    desk.complete("Unterlagen prüfen")
    begins = _appoint(desk, aktenzeichen)
    _perform_marriage(desk, aktenzeichen, begins)
    desk.check_closed_file(aktenzeichen, "Eheurkunde Anna Marie Schulz und Mehmet Yılmaz", "Terminbestätigung")
    desk.shot("eheschliessung-akte-abgeschlossen")


def test_marriage_with_a_document_handed_in_later(standesamt, tmp_path):
    desk = standesamt
    aktenzeichen = _register_intent(desk)
    desk.open_task("Unterlagen prüfen", aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Die Unterlagen sind vollständig, die Ehefähigkeit ist geprüft").uncheck()
    desk.page.get_by_label("Fehlende Unterlagen").fill("Beglaubigter Registerausdruck (Geburt)")
    desk.complete("Unterlagen prüfen")
    register = tmp_path / "Registerausdruck.pdf"
    register.write_bytes(pdf_bytes())
    desk.hand_in(aktenzeichen, "Beglaubigter Registerausdruck", "Urkunde", register)
    desk.open_task("Unterlagen prüfen", aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Die Unterlagen sind vollständig, die Ehefähigkeit ist geprüft").check()
    desk.complete("Unterlagen prüfen")
    begins = _appoint(desk, aktenzeichen)
    _perform_marriage(desk, aktenzeichen, begins)
    desk.check_closed_file(aktenzeichen, "Eheurkunde", "Beglaubigter Registerausdruck", "Nachforderung")
