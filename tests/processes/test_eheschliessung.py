"""Marriage registration end to end: intent, document check, appointment, ceremony, register entry, certificate.

Every path ends with a check of the file alone: closed with the marriage
register's 80 years, the audit chain verifies, the xdomea export validates.
Timers are fired by moving the wall clock; only the timer job runs inside the
travel, the following document-writing jobs run with a worker clock ahead
(S3 refuses requests signed far in the future).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from processes.personenstand.services import REGISTER_TIMEZONE
from tests.eakte import pdf_samples
from tests.processes.personenstand_env import ApiCase, load_civil_status_plan
from tests.processes.procedure_env import simulator_get
from tests.processes.procedure_env import deploy, model_files

pytestmark = pytest.mark.core

PARTNER_1 = {"family_name": "Schulz", "given_names": "Anna Marie", "birth_date": "1992-01-23", "birth_place": "Wismar",
             "address": {"street": "Mecklenburgstraße 40", "postal_code": "19053", "city": "Schwerin"}}
PARTNER_2 = {"family_name": "Yılmaz", "given_names": "Mehmet", "birth_date": "1989-11-02", "birth_place": "Hamburg",
             "address": {"street": "Ziolkowskistraße 14", "postal_code": "19063", "city": "Schwerin"}}
MESSAGE = "eheschliessung_unterlagen_nachgereicht"


@pytest.fixture()
def people(installation, authority, session_factory):
    installation.authority_id = authority.id  # the worker works only on this test's authority
    load_civil_status_plan(session_factory, authority)
    actors = {
        "modeller": authority.user("modellierer", roles=("modeller",)),
        "standesamt": authority.user("sabine", roles=("clerk",), groups=("Standesamt",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor", "clerk")),
    }
    response = deploy(installation.client, actors["modeller"], model_files("eheschliessung"))
    assert response.status_code == 201, response.json
    return actors


def register_intent(installation, people) -> ApiCase:
    case = ApiCase(installation, people, "eheschliessung", {"partner_1": PARTNER_1, "partner_2": PARTNER_2})
    assert case.aktenzeichen.startswith("34.02-") and case.open_tasks() == ["unterlagen_pruefen"]
    return case


def appoint(case, days_ahead: int, time_of_day: str = "11:30") -> datetime:
    """Fix an appointment ``days_ahead`` days from now; return when it begins (UTC)."""
    day = (datetime.now(REGISTER_TIMEZONE) + timedelta(days=days_ahead)).date()
    case.complete("standesamt", "termin_festlegen",
                  {"trautermin": day.isoformat(), "uhrzeit": time_of_day, "trauort": "Schloss Schwerin, Trausaal"})
    termin = case.get()["data"]["termin"]
    assert termin["datum"] == day.isoformat() and case.open_tasks() == []  # waiting for the day
    return datetime.fromisoformat(termin["beginn"]).astimezone(timezone.utc)


def reach_appointment(installation, case, begins: datetime) -> None:
    """Move the clock to the appointment: the timer fires and the ceremony task opens."""
    with time_machine.travel(begins - timedelta(hours=1), tick=True):
        installation.drain()
        assert case.open_tasks() == []
    with time_machine.travel(begins + timedelta(minutes=1), tick=True):
        assert installation.drain(limit=1) == 1  # only the timer job
    assert case.open_tasks() == ["trauung_durchfuehren"]


def hold_ceremony(case) -> None:
    case.complete("standesamt", "trauung_durchfuehren",
                  {"eheschliessung_erfolgt": True, "ehename": "Schulz",
                   "trauzeugen": ["Sophie Krüger", "Jens Petersen"]})


def test_marriage_registered_certified_delivered_and_notified(installation, people, session_factory, tmp_path):
    case = register_intent(installation, people)
    case.complete("standesamt", "unterlagen_pruefen", {"vollstaendig": True})
    begins = appoint(case, days_ahead=21)
    [confirmation] = case.documents("Nachricht")
    assert confirmation["subject"] == ("Terminbestätigung: Anmeldung der Eheschließung "
                                       "Anna Marie Schulz und Mehmet Yılmaz")

    reach_appointment(installation, case, begins)
    hold_ceremony(case)
    final = case.get()
    assert final["status"] == "completed" and final["open_tasks"] == []
    entry = final["data"]["beurkundung"]
    assert entry["registernummer"] == f"E 1/{datetime.now(REGISTER_TIMEZONE).year}"
    assert entry["ehename"] == "Schulz" and entry["eheschliessung_am"] == final["data"]["termin"]["datum"]
    assert [p["rolle"] for p in entry["personen"]] == ["Ehegatte 1", "Ehegatte 2"]
    case.assert_sealed_certificate("Eheurkunde Anna Marie Schulz und Mehmet Yılmaz")

    for recipient in ("Anna Marie Schulz", "Mehmet Yılmaz"):  # each spouse gets the certificate
        messages = simulator_get(installation, "postfach", "/nachrichten", empfaenger=recipient)["nachrichten"]
        assert len([m for m in messages if case.aktenzeichen in m["betreff"]]) == 1
    assert case.history_kinds().count("notice.made_available") == 2
    [notification] = simulator_get(installation, "melderegister", "/mitteilungen",
                                   register_number=entry["registernummer"])["mitteilungen"]
    assert notification["kind"] == "marriage" and len(notification["persons"]) == 2
    assert final["data"]["mitteilung_statistik"]["kind"] == "Eheschließung"
    case.check_final_file(session_factory, tmp_path, retention_years=80)


def test_missing_documents_then_delivered(installation, people, session_factory, tmp_path):
    case = register_intent(installation, people)
    case.complete("standesamt", "unterlagen_pruefen",
                  {"vollstaendig": False, "fehlende_unterlagen": "Beglaubigter Registerausdruck (Geburt)",
                   "frist_tage": 14})
    [request] = case.documents("Anfrage")
    assert case.open_tasks() == [] and request["subject"].startswith("Nachforderung: ")
    assert case.get()["data"]["nachforderung"]["frist"] == "P14D"

    upload = case.client.post(f"/api/v1/cases/{case.id}/documents", headers=people["standesamt"].headers,
                              data={"subject": "Beglaubigter Registerausdruck", "doc_type": "Urkunde",
                                    "file": (io.BytesIO(pdf_samples.clean() + b"\n%Register"), "Register.pdf")},
                              content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    sent = case.client.post("/api/v1/messages", headers=people["standesamt"].headers, json={
        "name": MESSAGE, "correlation": {"business_key": case.aktenzeichen},
        "data": {"dokumente": ["Beglaubigter Registerausdruck"]}})
    assert sent.status_code == 202 and sent.json["outcome"] == "delivered", sent.json
    installation.drain()
    assert case.open_tasks() == ["unterlagen_pruefen"]
    # The deadline timer was interrupted: travelling past it changes nothing.
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=20), tick=True):
        installation.drain()
        assert case.open_tasks() == ["unterlagen_pruefen"]

    case.complete("standesamt", "unterlagen_pruefen", {"vollstaendig": True})
    begins = appoint(case, days_ahead=30)
    reach_appointment(installation, case, begins)
    hold_ceremony(case)
    assert case.get()["status"] == "completed"
    certificates = case.documents("Urkunde")
    assert sorted(d["direction"] for d in certificates) == ["incoming", "outgoing"]
    case.check_final_file(session_factory, tmp_path, retention_years=80)


def test_deadline_missed_discontinues_the_registration(installation, people, session_factory, tmp_path):
    case = register_intent(installation, people)
    case.complete("standesamt", "unterlagen_pruefen",
                  {"vollstaendig": False, "fehlende_unterlagen": "Erweiterte Meldebescheinigung", "frist_tage": 14})
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=13), tick=True):
        installation.drain()
        assert case.get()["status"] == "running"
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=15), tick=True):
        assert installation.drain(limit=1) == 1  # only the timer: the deadline passes
    installation.drain(ahead=timedelta(days=15))
    final = case.get()
    assert final["status"] == "completed" and "beurkundung" not in final["data"]
    [letter] = case.documents("Nachricht")
    assert letter["subject"].startswith("Einstellung: Anmeldung der Eheschließung")
    assert case.documents("Urkunde") == []
    case.check_final_file(session_factory, tmp_path, retention_years=80)


def test_ceremony_not_held_gets_a_new_appointment(installation, people, session_factory, tmp_path):
    case = register_intent(installation, people)
    case.complete("standesamt", "unterlagen_pruefen", {"vollstaendig": True})
    begins = appoint(case, days_ahead=10)
    reach_appointment(installation, case, begins)
    rejected = case.complete("standesamt", "trauung_durchfuehren", {"eheschliessung_erfolgt": False}, expect=422)
    assert "grund" in rejected["errors"]["fields"]
    case.complete("standesamt", "trauung_durchfuehren",
                  {"eheschliessung_erfolgt": False, "grund": "Ein Verlobter ist erkrankt."})
    assert case.open_tasks() == ["termin_festlegen"] and "beurkundung" not in case.get()["data"]

    later = appoint(case, days_ahead=40)
    assert later > begins
    reach_appointment(installation, case, later)
    hold_ceremony(case)
    final = case.get()
    assert final["status"] == "completed" and len(case.documents("Nachricht")) == 2  # both confirmations
    case.check_final_file(session_factory, tmp_path, retention_years=80)
