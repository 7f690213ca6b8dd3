"""The status of a case in plain words, for every bundled procedure (pure rules)."""

from datetime import date

import pytest

from processes.portal.status import DOCUMENTS, PAYMENT, Facts, Fee, describe, documents_message, procedure_title

pytestmark = pytest.mark.core


def test_building_permit_steps_in_plain_words():
    received = describe(Facts("baugenehmigung", "running", ["vollstaendigkeit_pruefen"], ["Vollständigkeit prüfen"]))
    assert received.label == "In Bearbeitung" and "prüft, ob alle Unterlagen vollständig sind" in received.text
    assert received.action is None and "Sie müssen nichts tun" in received.next_steps[0]
    deciding = describe(Facts("baugenehmigung", "running", ["entscheiden"]))
    assert deciding.text == "Die Bauaufsicht entscheidet über Ihren Antrag."


def test_documents_requested_with_deadline():
    facts = Facts("baugenehmigung", "running", waits_for=frozenset({"unterlagen_nachgereicht"}),
                  data={"fehlende_unterlagen": "Statik", "nachforderung": {"frist_bis": "2026-12-19"}})
    status = describe(facts)
    assert (status.label, status.action, status.deadline) == ("Unterlagen fehlen", DOCUMENTS, date(2026, 12, 19))
    assert status.text == "Für Ihren Antrag fehlen Unterlagen. Es fehlt: Statik"
    assert "19.12.2026" in status.next_steps[1]


def test_fee_due_pending_and_paid():
    waiting = frozenset({"gebuehr_bezahlt"})
    due = describe(Facts("baugenehmigung", "running", waits_for=waiting, fee=Fee("50632600000011", 320000, "open")))
    assert due.action == PAYMENT and "3.200,00 € (Kassenzeichen 50632600000011)" in due.text
    pending = describe(Facts("baugenehmigung", "running", waits_for=waiting, fee=Fee("5", 100, "pending")))
    assert pending.label == "Zahlung läuft"
    cancelled = describe(Facts("baugenehmigung", "running", waits_for=waiting, fee=Fee("5", 100, "cancelled")))
    assert cancelled.label == "Gebühr offen"


@pytest.mark.parametrize("art, label", [("Genehmigung", "Genehmigt"), ("Genehmigung mit Auflagen", "Genehmigt"),
                                        ("Ablehnung", "Abgelehnt"), ("zurueckgenommen", "Zurückgenommen")])
def test_completed_building_permit(art, label):
    assert describe(Facts("baugenehmigung", "completed", data={"bescheid": {"art": art}})).label == label


def test_civil_status_procedures():
    assert describe(Facts("geburt", "running", ["namen_bestimmen"])).text == \
        "Das Standesamt trägt den Namen des Kindes ein."
    assert describe(Facts("geburt", "completed")).label == "Beurkundet"
    appointment = describe(Facts("eheschliessung", "running", data={"termin": {
        "datum": "2027-05-14", "uhrzeit": "11:30", "trauort": "Schloss Schwerin"}}))
    assert appointment.deadline == date(2027, 5, 14) and "14.05.2027 um 11:30 Uhr (Schloss Schwerin)" in appointment.text
    assert describe(Facts("eheschliessung", "completed", data={"einstellung": {"x": 1}})).label == "Eingestellt"
    assert documents_message("eheschliessung") == "eheschliessung_unterlagen_nachgereicht"
    assert documents_message("geburt") is None


def test_other_states_and_unknown_procedures():
    assert describe(Facts("baugenehmigung", "suspended")).label == "Ruht"
    assert describe(Facts("baugenehmigung", "cancelled")).label == "Beendet"
    unknown = describe(Facts("antrag", "running", ["x"], ["Antrag prüfen"]))
    assert unknown.text == "Zurzeit: Antrag prüfen." and procedure_title("antrag", "Allgemeiner Antrag") == \
        "Allgemeiner Antrag"
