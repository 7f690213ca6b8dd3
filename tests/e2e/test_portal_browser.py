"""End to end in a real browser: an application through FIT-Connect, followed, completed and paid in the portal.

The applicant does everything through the portal's pages and the simulators'
pages (eID login, payment page), as a person would, and every portal page
passes axe-core and keeps its Content-Security-Policy. The authority's side
happens as in production: the worker fetches the submission from the
FIT-Connect simulator and runs the procedure; the clerks' decisions between
the applicant's steps are made through the REST API (the clerk pages have
browser tests of their own). Screenshots of the portal's pages at 1280 px go
to the e2e screenshot folder (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eakte import akten
from eakte.models import Dokument
from engine.db import transaction
from tests.e2e.conftest import assert_accessible, screenshot
from tests.eakte import pdf_samples
from tests.support.applications import send_building_application
from tests.support.online import running_online_installation
from tests.support.portal import PermitCase, case_of_submission

@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("portal-e2e"), backend, monkeypatch) as running:
            yield running


def in_thread(work) -> None:
    """Run the worker outside the browser's event loop (sealing a notice runs asyncio itself)."""
    errors = []

    def run():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]


def sign_in(tab, base: str, person_label: str, level: str = "ELSTER-Zertifikat (Vertrauensniveau substantiell)"):
    tab.goto(f"{base}/buerger/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Bürgerportal")
    assert_accessible(tab)
    screenshot(tab, "portal-01-startseite")
    tab.get_by_role("link", name="Mit Nutzerkonto anmelden").click()
    tab.get_by_label(person_label).check()
    tab.get_by_label("Identifizierung").select_option(label=level)
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Meine Anträge")


def test_application_through_fitconnect_is_followed_completed_paid_and_fetched_in_the_portal(inst, page, tmp_path):
    # Set-up: an online service sends the building application, encrypted for the destination's key.
    sent = send_building_application(inst, person="erika")
    in_thread(inst.poll)  # the worker fetches, decrypts, checks and accepts it; the case starts
    case = PermitCase(inst, case_of_submission(inst, sent.submission_id))
    with transaction(inst.sessions) as session:
        akte_id = akten.vorgang_of_case(session, case.id).akte_id
        subjects = set(session.scalars(select(Dokument.subject).where(Dokument.akte_id == akte_id)))
    assert {"Lageplan", "Bauzeichnungen", "FIT-Connect: Metadaten der Einreichung"} <= subjects

    tab, base = page, inst.base_url
    sign_in(tab, base, "Erika Müller, geboren am 12.04.1978")
    assert_accessible(tab)
    listed = tab.get_by_role("row").filter(has_text=case.get()["business_key"])
    expect(listed).to_contain_text("In Bearbeitung")
    screenshot(tab, "portal-02-meine-antraege")
    listed.get_by_role("link").click()
    expect(tab.get_by_text("Die Bauaufsicht prüft, ob alle Unterlagen vollständig sind.")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-03-antrag-in-pruefung")

    # The authority asks for a missing document.
    in_thread(lambda: case.request_documents("Standsicherheitsnachweis (Statik)"))
    tab.reload()
    expect(tab.get_by_text("Es fehlt: Standsicherheitsnachweis (Statik)")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-04-unterlagen-fehlen")
    tab.get_by_role("button", name="Unterlagen einreichen").click()
    expect(tab.get_by_role("link", name="Bitte wählen Sie mindestens eine Datei aus.")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-05-unterlagen-fehler")
    statik = tmp_path / "Statik.pdf"
    statik.write_bytes(pdf_samples.clean() + b"\n%Statik")
    tab.get_by_label("Dateien").set_input_files(str(statik))
    tab.get_by_label("Hinweis an die Behörde").fill("Statik des Ingenieurbüros Krause")
    tab.get_by_role("button", name="Unterlagen einreichen").click()
    expect(tab.get_by_text("Ihre Unterlagen sind eingegangen (Statik.pdf)")).to_be_visible()
    assert_accessible(tab)
    in_thread(inst.drain)
    assert case.open_tasks() == ["vollstaendigkeit_pruefen"]  # the waiting case received them

    # The authority decides; the fee notice names a Kassenzeichen; the notice waits for the payment.
    in_thread(case.decide)
    tab.reload()
    expect(tab.get_by_text(re.compile(r"Bitte bezahlen Sie die Gebühr von 3\.200,00 €"))).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-06-gebuehr-offen")
    tab.get_by_role("button", name="Gebühr online bezahlen").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Gebühr bezahlen")
    screenshot(tab, "portal-07-zahlungsplattform")
    tab.get_by_label("giropay / paydirect").check()
    tab.get_by_role("button", name="Jetzt bezahlen").click()
    expect(tab.get_by_text("Vielen Dank! Ihre Zahlung ist eingegangen.")).to_be_visible()
    assert_accessible(tab)

    in_thread(inst.drain)  # the worker delivers notice and fee notice
    tab.reload()
    expect(tab.get_by_text("Ihr Bauantrag wurde genehmigt.")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-08-genehmigt-bescheide")
    notices = tab.get_by_role("table", name="Zum Abruf bereitgestellte Dokumente")
    with tab.expect_download() as download:
        notices.get_by_role("link", name=re.compile(r"^Bescheid: .* herunterladen")).click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    tab.reload()
    fetched = tab.get_by_role("table", name="Zum Abruf bereitgestellte Dokumente").get_by_role(
        "row", name=re.compile(r"^Bescheid: "))
    expect(fetched).not_to_contain_text("noch nicht")  # the first download is recorded (proof of retrieval)
    assert case.get()["status"] == "completed"


def test_marriage_registration_in_the_portal(inst, page):
    tab, base = page, inst.base_url
    sign_in(tab, base, "Anna Marie Schulz, geboren am 23.01.1992",
            level="Online-Ausweisfunktion (Personalausweis) (Vertrauensniveau hoch)")
    tab.get_by_role("link", name="Eheschließung anmelden").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Eheschließung anmelden")
    assert_accessible(tab)
    screenshot(tab, "portal-09-eheschliessung-formular")
    tab.get_by_label("Standesamt").select_option(label="Landeshauptstadt Schwerin (Test)")
    tab.get_by_role("button", name="Anmeldung absenden").click()
    expect(tab.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-10-eheschliessung-fehler")
    second = tab.get_by_role("group", name="Zweite Person")
    for label, value in (("Familienname", "Yılmaz"), ("Vornamen", "Mehmet"), ("Geburtsdatum", "1989-11-02"),
                         ("Geburtsort", "Hamburg"), ("Straße und Hausnummer", "Ziolkowskistraße 14"),
                         ("Postleitzahl", "19063"), ("Wohnort", "Schwerin")):
        second.get_by_label(label).fill(value)
    tab.get_by_role("button", name="Anmeldung absenden").click()
    expect(tab.get_by_text(re.compile(r"Ihr Aktenzeichen lautet 34\.02-"))).to_be_visible()
    expect(tab.get_by_text("Das Standesamt prüft Ihre Unterlagen.")).to_be_visible()
    assert_accessible(tab)
    screenshot(tab, "portal-11-eheschliessung-eingegangen")
