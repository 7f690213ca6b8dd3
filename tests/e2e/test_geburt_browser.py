"""Birth registration worked in the browser alone: the registry office's clerk enters the notification at the
counter, checks it, (clarifies the mother's residence,) determines the name; the certificate is sealed and
delivered, the notifications go out and the file is closed with its documents. After the set-up (authority, file
plan, users, deployed procedure) no API call and no database write: the clerk uses the UI, the worker runs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.procedure_desk import Desk, deploy_procedures, started_aktenzeichen
from tests.processes.personenstand_env import load_civil_status_plan
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import ui_user


@pytest.fixture()
def standesamt(installation, authority, session_factory, browser):
    """Set-up: the registry office's file plan, its clerk, the birth procedure; the clerk signed in."""
    load_civil_status_plan(session_factory, authority)
    ui_user(session_factory, authority, "sabine", groups=("Standesamt",), display_name="Sabine Standesbeamtin")
    deploy_procedures(installation, authority, "geburt")
    desk = Desk(browser, installation, authority, "sabine")
    yield desk
    desk.close()


def _notify_at_the_counter(desk: Desk, mother: dict, father: dict | None, tmp_path) -> str:
    desk.menu("Neuer Vorgang")
    desk.page.get_by_role("link", name="Beurkundung einer Geburt").click()
    desk.check()
    page = desk.page
    page.get_by_label("Betreff").fill(f"Geburt, Kind von {mother['vornamen']} {mother['name']}")
    page.get_by_label("Schalter / vor Ort").check()
    kind = page.get_by_role("group", name="Kind")
    kind.get_by_label("weiblich").check()
    kind.get_by_label("Geburtsdatum").fill("2026-02-14")
    kind.get_by_label("Uhrzeit der Geburt").fill("08:12")
    kind.get_by_label("Geburtsort").fill("Schwerin")
    kind.get_by_label("Klinik oder Einrichtung").fill("Helios Kliniken Schwerin")
    for role, person in (("Mutter", mother), ("Vater", father)):
        if person is None:
            continue
        group = page.get_by_role("group", name=role)
        group.get_by_label("Familienname").fill(person["name"])
        group.get_by_label("Vornamen").fill(person["vornamen"])
        group.get_by_label("Geburtsdatum").fill(person["geboren"])
        group.get_by_label("Geburtsort").fill(person["ort"])
    page.get_by_label("Anzeigende Stelle oder Person").fill("Helios Kliniken Schwerin")
    certificate = tmp_path / "Geburtsbescheinigung.pdf"
    certificate.write_bytes(pdf_bytes())
    page.get_by_label("Anlagen").set_input_files(str(certificate))
    desk.shot("geburt-startformular")
    page.get_by_role("button", name="Vorgang anlegen").click()
    expect(page.get_by_text("1 Anlage(n) abgelegt")).to_be_visible()
    desk.check()
    aktenzeichen = started_aktenzeichen(desk)
    assert aktenzeichen.startswith("34.01-")
    desk.drain()
    return aktenzeichen


def _check_notification(desk: Desk, aktenzeichen: str, father: bool) -> None:
    desk.open_task("Geburtsanzeige prüfen", aktenzeichen)
    desk.claim()
    page = desk.page
    page.get_by_label("Die Identität der Eltern ist geprüft").check()
    proofs = page.get_by_role("group", name="Vorgelegte Nachweise")
    proofs.get_by_label("Geburtsbescheinigung der Klinik oder Hebamme").check()
    proofs.get_by_label("Ausweisdokumente der Eltern").check()
    if father:
        proofs.get_by_label("Vaterschaftsanerkennung").check()
        page.get_by_label("Der Vater wird eingetragen (Ehe oder Anerkennung)").check()
    desk.complete("Geburtsanzeige prüfen")


def _determine_names(desk: Desk, aktenzeichen: str, given_names: list[str], family_name: str, basis: str) -> None:
    desk.open_task("Namen des Kindes bestimmen", aktenzeichen)
    desk.claim()
    page = desk.page
    names = page.get_by_role("group", name="Vornamen in der bestimmten Reihenfolge")
    for index, name in enumerate(given_names):
        if index:
            page.get_by_role("button", name="Weitere Zeile hinzufügen").click()
        names.get_by_role("textbox").nth(index).fill(name)
    page.get_by_label("Geburtsname").fill(family_name)
    page.get_by_label("Rechtsgrundlage der Namensführung").select_option(basis)
    desk.shot("geburt-namen-bestimmen")
    desk.complete("Namen des Kindes bestimmen")


def _check_finished_file(desk: Desk, aktenzeichen: str, certificate: str) -> None:
    """The case left the inbox; the file is closed (zdA) with the certificate and the hospital's certificate."""
    desk.menu("Aufgaben")
    expect(desk.page.get_by_role("row").filter(has_text=aktenzeichen)).to_have_count(0)
    desk.check_closed_file(aktenzeichen, certificate, "Geburtsbescheinigung")
    desk.shot("geburt-akte-abgeschlossen")


def test_birth_with_father_registered_in_the_browser(standesamt, tmp_path):
    desk = standesamt
    aktenzeichen = _notify_at_the_counter(
        desk, {"name": "Müller", "vornamen": "Erika", "geboren": "1978-04-12", "ort": "Schwerin"},
        {"name": "Petersen", "vornamen": "Jens", "geboren": "1985-09-30", "ort": "Rostock"}, tmp_path)
    _check_notification(desk, aktenzeichen, father=True)
    _determine_names(desk, aktenzeichen, ["Lena", "Marie"], "Müller", "Bestimmung durch die Eltern (§ 1617 BGB)")
    _check_finished_file(desk, aktenzeichen, "Geburtsurkunde Lena Marie Müller")


def test_birth_with_the_mothers_residence_clarified_in_the_browser(standesamt, tmp_path):
    desk = standesamt
    aktenzeichen = _notify_at_the_counter(
        desk, {"name": "Kowalska", "vornamen": "Agnieszka", "geboren": "1990-07-01", "ort": "Szczecin"}, None, tmp_path)
    _check_notification(desk, aktenzeichen, father=False)
    desk.open_task("Wohnsitz der Mutter klären", aktenzeichen)
    desk.claim()
    desk.page.get_by_label("Wohnsitz der Mutter (Anschrift)").fill("Lübecker Straße 3, 19053 Schwerin")
    desk.page.get_by_label("Wie wurde der Wohnsitz geklärt?").fill("Zuzug aus Polen, Anmeldung läuft.")
    desk.complete("Wohnsitz der Mutter klären")
    _determine_names(desk, aktenzeichen, ["Zofia"], "Kowalska",
                     "Name des allein sorgeberechtigten Elternteils (§ 1617a BGB)")
    _check_finished_file(desk, aktenzeichen, "Geburtsurkunde Zofia Kowalska")
