"""End to end in a real browser: a clerk sees what came in through FIT-Connect, accepted or rejected, and why.

Set-up as in production: an online service sends a building application (with
the FIT-Connect reply channel) and a hospital two birth notifications, one of
them with a wrong checksum; the worker fetches, checks and accepts or rejects
them. Then a clerk works through the UI alone: the "Online-Eingänge" page,
its filter, the reasons of the rejection, the link to the case. Every page
passes axe-core; a screenshot at 1280 px goes to the e2e screenshot folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from processes.fitconnect.jose import generate_private_key, public_jwk
from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_portal_browser import in_thread
from tests.support.applications import BIRTH, send_birth_notification, send_building_application
from tests.support.online import running_online_installation
from tests.support.portal import case_of_submission


@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("online-intake-e2e"), backend, monkeypatch,
                                         procedures=("baugenehmigung", "geburt")) as running:
            yield running


def test_clerk_sees_accepted_and_rejected_submissions_with_their_reasons_and_opens_the_case(inst, page):
    building = send_building_application(inst, reply_key=public_jwk(generate_private_key("RSA-OAEP-256", 2048)))
    birth = send_birth_notification(inst)
    broken = send_birth_notification(inst, data={**BIRTH, "anzeigende_stelle": "Klinikum"}, data_hash="0" * 128)
    in_thread(inst.poll)  # the worker fetches, checks, accepts two and rejects one
    case_id = case_of_submission(inst, building.submission_id)
    assert case_id and case_of_submission(inst, birth.submission_id)
    aktenzeichen = inst.client.get(f"/api/v1/cases/{case_id}",
                                   headers=inst.user("api-leser", roles=("supervisor",)).headers).json["business_key"]
    inst.user("eva", roles=("clerk",), groups=("Posteingang",))

    tab = page
    tab.goto(f"{inst.base_url}/ui/anmelden")
    tab.get_by_label("Behörde (Kürzel)").fill(inst.slug)
    tab.get_by_label("Benutzername").fill("eva")
    tab.get_by_label("Passwort").fill("test-passwort-123")
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Aufgaben")

    tab.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Online-Eingänge").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Online-Eingänge")
    table = tab.get_by_role("table", name="Eingegangene Einreichungen, die neuesten zuerst (3 Einträge)")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="abgelehnt")).to_have_count(1)
    rejected = rows.filter(has_text="abgelehnt")
    expect(rejected).to_contain_text("Prüfsumme stimmt nicht (Fachdaten): Die SHA-512-Prüfsumme der Fachdaten")
    expect(rejected).to_contain_text(broken.submission_id[:8])
    accepted = rows.filter(has_text=aktenzeichen)
    expect(accepted).to_contain_text("angenommen")
    expect(accepted).to_contain_text("FIT-Connect (Rückkanal des Onlinedienstes)")
    expect(rows.filter(has_text="Geburtsanzeige")).to_contain_text("keiner angegeben")
    assert_accessible(tab)
    screenshot(tab, "online-eingaenge")

    tab.get_by_label("Ergebnis").select_option(label="abgelehnt")
    tab.get_by_role("button", name="Anzeigen").click()
    expect(tab.locator("table.online-intake tbody tr")).to_have_count(1)
    expect(tab.get_by_role("table")).to_contain_text("Prüfsumme stimmt nicht")
    assert_accessible(tab)
    screenshot(tab, "online-eingaenge-abgelehnt")

    tab.get_by_label("Ergebnis").select_option(label="alle")
    tab.get_by_role("button", name="Anzeigen").click()
    tab.get_by_role("link", name=aktenzeichen).click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text(aktenzeichen)
    expect(tab.get_by_text("Über FIT-Connect eingegangen und angenommen")).to_be_visible()
    assert_accessible(tab)
