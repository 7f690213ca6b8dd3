"""Birth registration end to end: notification, review, residents' register, name, register entry, certificate.

Every path ends with a check of the file alone: closed with the birth
register's 110 years, the audit chain verifies, the xdomea export validates.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from processes.personenstand.services import REGISTER_TIMEZONE
from tests.processes.personenstand_env import ApiCase, load_civil_status_plan
from tests.processes.procedure_env import deploy, model_files, simulator_control, simulator_get

pytestmark = pytest.mark.core

MUTTER = {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-12", "birth_place": "Schwerin"}
VATER = {"family_name": "Petersen", "given_names": "Jens", "birth_date": "1985-09-30", "birth_place": "Rostock"}
KIND = {"sex": "weiblich", "birth_date": "2026-02-14", "birth_time": "08:12", "birth_place": "Schwerin",
        "facility": "Helios Kliniken Schwerin"}
REVIEW = {"identitaet_geprueft": True, "vater_eintragen": True,
          "nachweise": ["Geburtsbescheinigung der Klinik oder Hebamme", "Ausweisdokumente der Eltern",
                        "Vaterschaftsanerkennung"]}
NAMES = {"vornamen": ["Lena", "Marie"], "familienname": "Müller",
         "namensgrundlage": "Bestimmung durch die Eltern (§ 1617 BGB)"}


@pytest.fixture()
def people(installation, authority, session_factory):
    installation.authority_id = authority.id  # the worker works only on this test's authority
    load_civil_status_plan(session_factory, authority)
    actors = {
        "modeller": authority.user("modellierer", roles=("modeller",)),
        "standesamt": authority.user("sabine", roles=("clerk",), groups=("Standesamt",)),
        "bauaufsicht": authority.user("berta", roles=("clerk",), groups=("Bauaufsicht",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor", "clerk")),
    }
    response = deploy(installation.client, actors["modeller"], model_files("geburt"))
    assert response.status_code == 201, response.json
    return actors


def notify_birth(installation, people, **data) -> ApiCase:
    return ApiCase(installation, people, "geburt",
                   {"kind": KIND, "mutter": MUTTER, "vater": VATER, "anzeigende_stelle": KIND["facility"], **data})


def test_birth_registered_certified_delivered_and_notified(installation, people, session_factory, tmp_path):
    case = notify_birth(installation, people)
    assert case.aktenzeichen.startswith("34.01-")
    assert case.open_tasks() == ["anzeige_pruefen"]
    [task] = case.get()["open_tasks"]
    assert task["candidate_group"] == "Standesamt"
    # A clerk of another office does not work on the registry office's tasks.
    other = case.client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=people["bauaufsicht"].headers)
    assert other.status_code == 403

    case.complete("standesamt", "anzeige_pruefen", REVIEW)
    data = case.get()["data"]
    assert data["meldedaten_mutter"]["found"] is True and data["meldedaten_vater"]["found"] is True
    assert case.open_tasks() == ["namen_bestimmen"]  # both parents registered: nothing to clarify

    case.complete("standesamt", "namen_bestimmen", NAMES)
    final = case.get()
    assert final["status"] == "completed" and final["open_tasks"] == []
    entry = final["data"]["beurkundung"]
    assert re.fullmatch(r"G [1-9][0-9]*/[0-9]{4}", entry["registernummer"])
    assert entry["registernummer"].endswith(f"/{datetime.now(REGISTER_TIMEZONE).year}")
    assert [p["rolle"] for p in entry["personen"]] == ["Kind", "Mutter", "Vater"]
    assert entry["personen"][0]["given_names"] == "Lena Marie"
    assert entry["standesamt"].startswith("Standesamt Testbehörde")
    case.assert_sealed_certificate("Geburtsurkunde Lena Marie Müller")

    # Digital delivery to the mother's mailbox, with the § 41(2a) proof in the history.
    messages = simulator_get(installation, "postfach", "/nachrichten", empfaenger="Erika Müller")["nachrichten"]
    [message] = [m for m in messages if case.aktenzeichen in m["betreff"]]
    download = case.client.get(message["links"][0].removeprefix("https://aktenfluss.example"))
    assert download.status_code == 200 and download.data[:5] == b"%PDF-"
    kinds = case.history_kinds()
    assert "notice.made_available" in kinds and "notice.downloaded" in kinds

    # Notifications: residents' registration office and statistics, each answered with a receipt.
    [notification] = simulator_get(installation, "melderegister", "/mitteilungen",
                                   register_number=entry["registernummer"])["mitteilungen"]
    assert notification["kind"] == "birth" and notification["event_date"] == "2026-02-14"
    assert [p["rolle"] for p in notification["persons"]] == ["Kind", "Mutter", "Vater"]
    assert final["data"]["mitteilung_meldebehoerde"]["receipt_number"] == notification["receipt_number"]
    assert final["data"]["mitteilung_statistik"]["receipt_number"].startswith("StaLa-MV-2026-")
    case.check_final_file(session_factory, tmp_path, retention_years=110)


def test_register_numbers_are_consecutive_per_authority(installation, people):
    numbers = []
    for _ in range(2):
        case = notify_birth(installation, people)
        case.complete("standesamt", "anzeige_pruefen", REVIEW)
        case.complete("standesamt", "namen_bestimmen", NAMES)
        numbers.append(case.get()["data"]["beurkundung"]["registernummer"])
    # Every test has its own authority, so its birth register starts at 1.
    assert [n.split("/")[0] for n in numbers] == ["G 1", "G 2"]
    assert numbers[0].split("/")[1] == numbers[1].split("/")[1]


def test_mother_not_registered_needs_clarification(installation, people, session_factory, tmp_path):
    newcomer = {"family_name": "Kowalska", "given_names": "Agnieszka", "birth_date": "1990-07-01",
                "birth_place": "Szczecin"}
    case = notify_birth(installation, people, mutter=newcomer, vater=None)
    case.complete("standesamt", "anzeige_pruefen",
                  {"identitaet_geprueft": True, "vater_eintragen": False,
                   "nachweise": ["Geburtsbescheinigung der Klinik oder Hebamme", "Ausweisdokumente der Eltern"]})
    data = case.get()["data"]
    assert data["meldedaten_mutter"]["found"] is False and "meldedaten_vater" not in data
    assert case.open_tasks() == ["wohnsitz_klaeren"]
    case.complete("standesamt", "wohnsitz_klaeren",
                  {"wohnsitz": "Lübecker Straße 3, 19053 Schwerin", "klaerung": "Zuzug aus Polen, Anmeldung läuft."})
    case.complete("standesamt", "namen_bestimmen",
                  {"vornamen": ["Zofia"], "familienname": "Kowalska",
                   "namensgrundlage": "Name des allein sorgeberechtigten Elternteils (§ 1617a BGB)"})
    final = case.get()
    assert final["status"] == "completed"
    assert [p["rolle"] for p in final["data"]["beurkundung"]["personen"]] == ["Kind", "Mutter"]
    case.assert_sealed_certificate("Geburtsurkunde Zofia Kowalska")
    case.check_final_file(session_factory, tmp_path, retention_years=110)


@pytest.mark.parametrize("names, field", [
    ({**NAMES, "vornamen": []}, "vornamen"),
    ({**NAMES, "vornamen": ["Lena2"]}, "vornamen.0"),
    ({**NAMES, "familienname": "Müller--Schmidt"}, "familienname"),
    ({**NAMES, "namensgrundlage": "Wunsch"}, "namensgrundlage"),
    ({"vornamen": ["Lena"], "familienname": "Müller"}, "namensgrundlage"),
])
def test_name_determination_is_validated(installation, people, names, field):
    case = notify_birth(installation, people)
    case.complete("standesamt", "anzeige_pruefen", REVIEW)
    rejected = case.complete("standesamt", "namen_bestimmen", names, expect=422)
    assert field in rejected["errors"]["fields"], rejected
    assert case.open_tasks() == ["namen_bestimmen"] and "beurkundung" not in case.get()["data"]


def test_statistics_failing_then_recovering(installation, people, session_factory, tmp_path):
    case = notify_birth(installation, people)
    case.complete("standesamt", "anzeige_pruefen", REVIEW)
    simulator_control(installation, "statistik", {"mode": "error"})
    try:
        case.complete("standesamt", "namen_bestimmen", NAMES)
        incidents = case.client.get("/api/v1/incidents", headers=case.supervisor).json["items"]
        [incident] = [i for i in incidents if i["case_id"] == case.id]
        assert incident["task_bpmn_id"] == "statistik_melden" and "503" in incident["error"]
        assert case.get()["status"] == "running" and case.file()["status"] == "open"
    finally:
        simulator_control(installation, "statistik", {"mode": "ok"})
    retried = case.client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=case.supervisor)
    assert retried.status_code == 200, retried.json
    installation.drain()
    final = case.get()
    assert final["status"] == "completed" and "receipt_number" in final["data"]["mitteilung_statistik"]
    assert "incident.opened" in case.history_kinds()
    case.check_final_file(session_factory, tmp_path, retention_years=110)
