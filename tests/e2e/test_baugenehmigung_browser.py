"""The building permit worked in the browser alone, every path: complete → approval; incomplete → documents handed
in later; incomplete → treated as withdrawn after the deadline; refusal → four-eyes check returned → changed →
approved. Each path ends with the file closed (zdA) and its documents present.

After the set-up (authority, users, deployed procedure) no API call and no database write: the application arrives
on paper and is entered by the Posteingang ("Neuer Vorgang"), every task is worked in the browser by the person of
its group, documents handed in later are recorded in the Posteingang, and the fee paid by transfer is booked at the
Kasse. The worker runs the automatic steps in between (specialist systems, fee table, notices, sealing, delivery).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.procedure_desk import Desk, deploy_procedures, started_aktenzeichen
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import ui_user

PEOPLE = {  # username: (roles, groups, display name)
    "paul": (("clerk",), ("Posteingang",), "Paul Post"),
    "berta": (("clerk",), ("Bauaufsicht",), "Berta Bau"),
    "bruno": (("clerk",), ("Bauaufsicht",), "Bruno Bau"),
    "frieda": (("clerk",), ("Fachbehörden",), "Frieda Fach"),
    "lea": (("clerk", "supervisor"), ("Amtsleitung",), "Lea Leitung"),
}


@pytest.fixture()
def office(installation, authority, session_factory, browser, tmp_path):
    """Set-up: the building authority's people and the deployed procedure. Yields a function that signs a person in."""
    for username, (roles, groups, name) in PEOPLE.items():
        ui_user(session_factory, authority, username, roles=roles, groups=groups, display_name=name)
    deploy_procedures(installation, authority, "baugenehmigung")
    desks: dict[str, Desk] = {}

    def desk(username: str) -> Desk:
        if username not in desks:
            desks[username] = Desk(browser, installation, authority, username)
        return desks[username]

    yield desk
    for opened in desks.values():
        opened.close()


def _apply_on_paper(desk: Desk, tmp_path) -> str:
    """The Posteingang enters a building application that arrived on paper, with its Bauvorlagen."""
    desk.menu("Neuer Vorgang")
    desk.page.get_by_role("link", name="Baugenehmigungsverfahren").click()
    desk.check()
    page = desk.page
    page.get_by_label("Betreff").fill("Neubau eines Einfamilienhauses mit Carport (Erika Müller)")
    page.get_by_label("Papier (Post)").check()
    applicant = page.get_by_role("group", name="Antragsteller/in")
    applicant.get_by_label("Privatperson").check()
    applicant.get_by_label("Name", exact=True).fill("Erika Müller")
    applicant.get_by_label("Straße und Hausnummer").fill("Schloßstraße 12")
    applicant.get_by_label("Postleitzahl").fill("19053")
    applicant.get_by_label("Ort", exact=True).fill("Schwerin")
    project = page.get_by_role("group", name="Vorhaben")
    project.get_by_label("Bezeichnung des Vorhabens").fill("Neubau eines Einfamilienhauses mit Carport")
    project.get_by_label("Art der Maßnahme").select_option("Errichtung")
    plot = page.get_by_role("group", name="Baugrundstück")
    plot.get_by_label("Gemarkung").fill("Schwerin")
    plot.get_by_label("Flur", exact=True).fill("3")
    plot.get_by_label("Flurstück").fill("17/2")
    files = []
    for name in ("Lageplan.pdf", "Bauzeichnungen.pdf"):
        path = tmp_path / name
        path.write_bytes(pdf_bytes())
        files.append(str(path))
    page.get_by_label("Anlagen").set_input_files(files)
    desk.shot("bauantrag-startformular")
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_text("2 Anlage(n) abgelegt")).to_be_visible()
    desk.check()
    aktenzeichen = started_aktenzeichen(desk)
    desk.drain()
    return aktenzeichen


def _check_completeness(desk: Desk, aktenzeichen: str, missing: str | None = None) -> None:
    desk.open_task("Vollständigkeit prüfen", aktenzeichen)
    desk.claim()
    page = desk.page
    if missing is None:
        page.get_by_label("Die Bauvorlagen sind vollständig").check()
        page.get_by_label("Art des Vorhabens (für die Gebühr)").select_option("Wohngebäude")
        page.get_by_label("Rohbausumme").fill("320.000")
    else:
        page.get_by_label("Die Bauvorlagen sind vollständig").uncheck()
        page.get_by_label("Fehlende Unterlagen").fill(missing)
        page.get_by_label("Frist für die Nachreichung (Tage)").fill("14")
    desk.complete("Vollständigkeit prüfen")


def _choose_agencies(desk: Desk, aktenzeichen: str, *agencies: str) -> None:
    desk.open_task("Beteiligung festlegen", aktenzeichen)
    desk.claim()
    chosen = desk.page.get_by_role("group", name="Zu beteiligende Stellen")
    for agency in agencies:
        chosen.get_by_label(agency).check()
    expect(desk.page.get_by_label("Frist der Beteiligung", exact=True)).to_have_value("30")
    desk.complete("Beteiligung festlegen")


def _give_statement(desk: Desk, aktenzeichen: str, agency: str, result: str, reason: str) -> None:
    name = f"Stellungnahme abgeben – {agency}"
    desk.open_task(name, aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Ergebnis").select_option(result)
    desk.page.get_by_label("Begründung", exact=True).fill(reason)
    desk.complete(name)


def _decide(desk: Desk, aktenzeichen: str, decision: str, reason: str, conditions: str | None = None,
            claim: bool = True) -> None:
    name = "Über den Bauantrag entscheiden"
    desk.open_task(name, aktenzeichen)
    if claim:
        desk.claim()
    page = desk.page
    context = page.locator("section.form-context")  # what the decision rests on, read-only
    expect(context.get_by_role("table", name="Stellungnahmen der beteiligten Stellen")).to_be_visible()
    expect(context).to_contain_text("Ergebnis der Bauleitplanung")
    expect(context).to_contain_text("3.200,00 €")  # the fee from the fee table
    page.get_by_label("Entscheidung", exact=True).select_option(decision)
    if conditions:
        page.get_by_label("Auflagen und Nebenbestimmungen").fill(conditions)
    page.get_by_label("Begründung", exact=True).fill(reason)
    desk.shot("bauantrag-entscheiden")
    desk.complete(name)


def _book_the_fee(desk: Desk, aktenzeichen: str) -> None:
    """The fee arrived by transfer: booked at the Kasse from the case page; the notices are then delivered."""
    desk.find_case(aktenzeichen)
    desk.open_case(aktenzeichen)
    desk.page.get_by_role("link", name=re.compile("^Zahlung zum Kassenzeichen .* buchen$")).click()
    desk.check()
    desk.page.get_by_label("Betrag in Euro").fill("320,00")  # a typing error first: nothing is booked
    desk.page.get_by_role("button", name="Zahlung buchen").click()
    expect(desk.page.get_by_role("alert")).to_contain_text("Die Gebühr beträgt 3.200,00 €")
    desk.check()
    desk.page.get_by_label("Betrag in Euro").fill("3.200,00")
    desk.page.get_by_role("button", name="Zahlung buchen").click()
    expect(desk.page.get_by_text(re.compile(r"Zahlung über 3\.200,00 € zum Kassenzeichen \d+ gebucht"))).to_be_visible()
    desk.check()
    desk.drain()


def test_complete_application_is_approved(office, tmp_path):
    aktenzeichen = _apply_on_paper(office("paul"), tmp_path)
    _check_completeness(office("paul"), aktenzeichen)
    _choose_agencies(office("berta"), aktenzeichen, "Brandschutzdienststelle", "Gemeinde")
    _give_statement(office("frieda"), aktenzeichen, "Brandschutzdienststelle", "Zustimmung mit Nebenbestimmungen",
                    "Rauchmelder in allen Aufenthaltsräumen.")
    _give_statement(office("frieda"), aktenzeichen, "Gemeinde", "Zustimmung", "Einvernehmen erteilt.")
    _decide(office("berta"), aktenzeichen, "Genehmigung mit Auflagen", "Das Vorhaben ist zulässig.",
            conditions="Rauchmelder gemäß Stellungnahme der Brandschutzdienststelle.")
    _book_the_fee(office("berta"), aktenzeichen)
    office("berta").check_closed_file(aktenzeichen, "Bescheid:", "Gebührenbescheid", "Lageplan", "Bauzeichnungen",
                                      "Zahlungsnachweis")
    office("berta").shot("bauantrag-akte-genehmigt")


def test_incomplete_application_completed_by_documents_handed_in_later(office, tmp_path):
    aktenzeichen = _apply_on_paper(office("paul"), tmp_path)
    _check_completeness(office("paul"), aktenzeichen, missing="Standsicherheitsnachweis")
    statik = tmp_path / "Statik.pdf"
    statik.write_bytes(pdf_bytes())
    paul = office("paul")  # the missing documents arrive on paper
    paul.hand_in(aktenzeichen, "Standsicherheitsnachweis", "Bauvorlage", statik)
    _check_completeness(paul, aktenzeichen)
    _choose_agencies(office("berta"), aktenzeichen, "Gemeinde")
    _give_statement(office("frieda"), aktenzeichen, "Gemeinde", "Zustimmung", "Einvernehmen erteilt.")
    _decide(office("berta"), aktenzeichen, "Genehmigung", "Das Vorhaben ist zulässig.")
    _book_the_fee(office("berta"), aktenzeichen)
    office("berta").check_closed_file(aktenzeichen, "Bescheid:", "Standsicherheitsnachweis", "Gebührenbescheid")


def test_incomplete_application_is_treated_as_withdrawn_after_the_deadline(office, tmp_path):
    paul = office("paul")
    aktenzeichen = _apply_on_paper(paul, tmp_path)
    _check_completeness(paul, aktenzeichen, missing="Lageplan im Maßstab 1:500")
    # Nobody hands anything in: the worker's clock passes the deadline of 14 days (the case's timer fires; the
    # notice that follows is written by a worker whose engine clock is ahead, so the S3 server accepts its requests).
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=15), tick=True):
        paul.drain(limit=1)
    paul.drain(ahead=timedelta(days=15))
    paul.check_closed_file(aktenzeichen, "Rücknahme", "Anfrage", "Lageplan")


def test_refusal_is_returned_by_the_supervisor_changed_and_approved(office, tmp_path):
    aktenzeichen = _apply_on_paper(office("paul"), tmp_path)
    _check_completeness(office("paul"), aktenzeichen)
    _choose_agencies(office("berta"), aktenzeichen, "Untere Denkmalschutzbehörde")
    _give_statement(office("frieda"), aktenzeichen, "Untere Denkmalschutzbehörde", "Ablehnung",
                    "Das Vorhaben beeinträchtigt das Baudenkmal Schloßstraße 3.")
    _decide(office("berta"), aktenzeichen, "Ablehnung", "Denkmalschutz steht entgegen.")

    lea = office("lea")  # the four-eyes check: the decision and its reasons are shown; a return needs a reason
    release = "Ablehnung freigeben (Vier-Augen-Prinzip)"
    lea.open_task(release, aktenzeichen)
    lea.claim()
    shown = lea.page.locator("section.form-context")
    expect(shown).to_contain_text("Ablehnung")
    expect(shown).to_contain_text("Denkmalschutz steht entgegen.")
    lea.page.get_by_label("An die Sachbearbeitung zurückgeben, die entschieden hat").check()
    lea.page.get_by_role("button", name="Erledigen").click()
    expect(lea.page.get_by_role("alert")).to_contain_text("Begründung der Rückgabe")
    lea.check()
    lea.page.get_by_label("Begründung der Rückgabe").fill("Bitte prüfen, ob eine Genehmigung mit Auflagen möglich ist.")
    lea.shot("bauantrag-vier-augen")
    lea.complete(release)

    bruno = office("bruno")  # the decision goes back to Berta, who decided, not to her group
    bruno.menu("Aufgaben")
    expect(bruno.page.get_by_role("row").filter(has_text=aktenzeichen)).to_have_count(0)
    berta = office("berta")
    berta.open_task("Über den Bauantrag entscheiden", aktenzeichen)
    expect(berta.page.locator("section.form-context")).to_contain_text(
        "Bitte prüfen, ob eine Genehmigung mit Auflagen möglich ist.")
    expect(berta.page.get_by_label("Entscheidung", exact=True)).to_have_value("Ablehnung")  # her entries, pre-filled
    _decide(berta, aktenzeichen, "Ablehnung", "Denkmalschutz steht entgegen; Auflagen reichen nach Prüfung nicht aus.",
            claim=False)

    lea.open_task(release, aktenzeichen)
    lea.claim()
    lea.page.get_by_label("Ablehnung freigeben: der Ablehnungsbescheid wird erstellt").check()
    lea.complete(release)
    _book_the_fee(berta, aktenzeichen)
    berta.check_closed_file(aktenzeichen, "Bescheid:", "Gebührenbescheid", "Protokoll: Ablehnung freigeben", "Lageplan")
