"""The building permit end to end: XBau intake, worker, specialist systems, timers, notices, delivery, zdA.

Every path ends with a check of the file alone: documents present, the audit
chain verifies, the xdomea export validates.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from eakte.audit import iter_breaks
from eakte.models import Akte
from eakte.siegel import verify_seal
from eakte.xdomea import export_0503, validate_xdomea
from tests.eakte import pdf_samples
from processes.simulators import xbau_antrag as xbau_samples
from tests.processes.procedure_env import deploy, model_files, simulator_control, simulator_get

XBAU_URL = "/api/v1/intake/xbau"
pytestmark = pytest.mark.core


@pytest.fixture()
def people(installation, authority):
    installation.authority_id = authority.id  # the worker works only on this test's authority
    actors = {
        "modeller": authority.user("modellierer", roles=("modeller",)),
        "eingang": authority.user("xbau-eingang", roles=("clerk",)),
        "posteingang": authority.user("paul", roles=("clerk",), groups=("Posteingang",)),
        "bauaufsicht": authority.user("berta", roles=("clerk",), groups=("Bauaufsicht",)),
        "bauaufsicht2": authority.user("bruno", roles=("clerk",), groups=("Bauaufsicht", "Amtsleitung")),
        "fachbehoerde": authority.user("frieda", roles=("clerk",), groups=("Fachbehörden",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor", "clerk")),
    }
    response = deploy(installation.client, actors["modeller"], model_files("baugenehmigung"))
    assert response.status_code == 201, response.json
    return actors


class Case:
    """A building permit case driven through the API."""

    def __init__(self, installation, people):
        self.inst, self.people = installation, people
        message = xbau_samples.message_bytes()
        form = {"message": (io.BytesIO(message), "antrag.xml"),
                "attachment": [(io.BytesIO(pdf_samples.clean()), "Lageplan.pdf"),
                               (io.BytesIO(pdf_samples.clean() + b"\n%Ansichten"), "Bauzeichnungen.pdf")]}
        receipt = self.client.post(XBAU_URL, data=form, headers=people["eingang"].headers,
                                   content_type="multipart/form-data")
        assert receipt.status_code == 201, receipt.json
        self.id, self.aktenzeichen = receipt.json["case_id"], receipt.json["aktenzeichen"]
        self.inst.drain()

    @property
    def client(self):
        return self.inst.client

    def get(self) -> dict:
        return self.client.get(f"/api/v1/cases/{self.id}", headers=self.people["supervisor"].headers).json

    def open_tasks(self) -> list[str]:
        return sorted(t["bpmn_id"] for t in self.get()["open_tasks"])

    def complete(self, actor: str, bpmn_id: str, data: dict, expect: int = 200) -> dict:
        task = next(t for t in self.get()["open_tasks"] if t["bpmn_id"] == bpmn_id)
        headers = self.people[actor].headers
        claimed = self.client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=headers)
        if expect == 200:
            assert claimed.status_code == 200, claimed.json
        response = self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=headers)
        assert response.status_code == expect, response.json
        self.inst.drain()
        return response.json

    def history(self) -> list[dict]:
        return self.client.get(f"/api/v1/cases/{self.id}/history", query_string={"per_page": 500},
                               headers=self.people["supervisor"].headers).json["items"]

    def file(self) -> dict:
        return self.client.get(f"/api/v1/cases/{self.id}/file", headers=self.people["supervisor"].headers).json

    def document_types(self) -> list[str]:
        return sorted(d["doc_type"] for d in self.file()["documents"])

    def pay_fee(self, amount_cents: int | None = None) -> dict:
        """The cashier books the applicant's transfer for the fee notice's Kassenzeichen; the case goes on."""
        data = self.get()["data"]
        assert self.open_tasks() == [] and data["bescheid"]["kassenzeichen"]  # waits for the payment
        amount = amount_cents if amount_cents is not None else round(data["gebuehr"] * 100)
        booked = self.client.post("/api/v1/payments/bookings", headers=self.people["eingang"].headers,
                                  json={"kassenzeichen": data["bescheid"]["kassenzeichen"], "amount_cents": amount})
        self.inst.drain()
        return booked

    def check_final_file(self, session_factory, backend, tmp_path) -> None:
        """The file alone shows the case: closed, chain intact, xdomea package valid."""
        akte = self.file()
        assert akte["status"] == "closed"
        with session_factory() as session:
            assert list(iter_breaks(session, f"case/{self.id}")) == []
            row = session.scalar(select(Akte).where(Akte.id == akte["id"]))
            store = self.inst.app.extensions["document_store"]
            result = export_0503(session, store, row,
                                 sender={"name": "Landeshauptstadt Schwerin", "unit": "Bauaufsicht"},
                                 recipient={"name": "Landesarchiv Mecklenburg-Vorpommern"},
                                 actor="test", out=tmp_path / "abgabe.zip")
            assert validate_xdomea(result.message_xml) == []
            session.commit()


def complete_check(case, **extra):
    return case.complete("posteingang", "vollstaendigkeit_pruefen",
                         {"vollstaendig": True, "gebaeudeart": "Wohngebäude", "rohbausumme": 320000, **extra})


def participate(case, *agencies):
    case.complete("bauaufsicht", "beteiligung_festlegen",
                  {"fachbehoerden": list(agencies), "beteiligungsfrist": "P30D"})


def test_complete_path_with_agency_silence(installation, people, session_factory, backend, tmp_path):
    case = Case(installation, people)
    assert case.aktenzeichen.startswith("00.01-")
    assert case.open_tasks() == ["vollstaendigkeit_pruefen"]
    assert "Nachricht" in case.document_types()  # the receipt (Eingangsbestätigung)

    complete_check(case)
    participate(case, "Brandschutzdienststelle", "Untere Naturschutzbehörde")
    assert case.open_tasks() == ["stellungnahme_abgeben", "stellungnahme_abgeben"]
    data = case.get()["data"]
    assert data["flurstueck"]["found"] is True and data["bebauungsplan"]["found"] is True

    case.complete("fachbehoerde", "stellungnahme_abgeben",
                  {"ergebnis": "Zustimmung mit Nebenbestimmungen", "begruendung": "Rauchmelder in allen Räumen."})
    assert case.open_tasks() == ["stellungnahme_abgeben"]
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=31), tick=True):
        installation.drain()  # the agency's deadline passes: silence counts as consent
    assert case.open_tasks() == ["entscheiden"]
    data = case.get()["data"]
    statements = sorted(data["stellungnahmen"], key=lambda s: s["behoerde"])
    assert [s["fiktion"] for s in statements] == [False, True]
    assert data["gebuehr"] == 3200.0 and data["tarifstelle"].startswith("2.1.1")

    case.complete("bauaufsicht", "entscheiden", {"entscheidung": "Genehmigung mit Auflagen",
                                                 "auflagen": "Rauchmelder gemäß Stellungnahme.",
                                                 "begruendung": "Das Vorhaben ist zulässig."})
    # Notice and fee notice are issued; they are delivered once the fee is paid.
    assert case.get()["status"] == "running" and case.document_types().count("Bescheid") == 2
    assert not [m for m in simulator_get(installation, "postfach", "/nachrichten", empfaenger="Erika Müller")[
        "nachrichten"] if case.aktenzeichen in m["betreff"]]
    wrong = case.pay_fee(amount_cents=100)
    assert wrong.status_code == 422 and "does not match the fee" in wrong.json["message"]
    kassenzeichen = case.get()["data"]["bescheid"]["kassenzeichen"]
    mistyped = case.client.post("/api/v1/payments/bookings", headers=people["eingang"].headers, json={
        "kassenzeichen": kassenzeichen[:-1] + str((int(kassenzeichen[-1]) + 1) % 10), "amount_cents": 320000})
    assert mistyped.status_code == 422 and "check digit" in mistyped.json["message"]
    assert case.get()["status"] == "running"
    paid = case.pay_fee()
    assert paid.status_code == 200 and paid.json["result"] == "paid", paid.json
    final = case.get()
    assert final["status"] == "completed" and final["open_tasks"] == []
    assert final["data"]["zahlung"]["kassenzeichen"] == final["data"]["bescheid"]["kassenzeichen"]
    types = case.document_types()
    assert types.count("Bescheid") == 2 and types.count("Auskunft") == 2 and types.count("Bauvorlage") == 2
    assert any(d["subject"].startswith("Zahlungsnachweis") for d in case.file()["documents"])

    notice = next(d for d in case.file()["documents"] if d["doc_type"] == "Bescheid" and d["subject"].startswith("Bescheid"))
    pdf = case.client.get(f"/api/v1/documents/{notice['id']}/content", headers=people["supervisor"].headers).data
    report = verify_seal(pdf, [installation.ca_cert])
    assert report.valid and report.intact

    messages = simulator_get(installation, "postfach", "/nachrichten", empfaenger="Erika Müller")["nachrichten"]
    [message] = [m for m in messages if case.aktenzeichen in m["betreff"]]
    assert len(message["links"]) == 2
    download = case.client.get(message["links"][0].removeprefix("https://aktenfluss.example"))
    assert download.status_code == 200 and download.data[:5] == b"%PDF-"
    kinds = [e["kind"] for e in case.history()]
    assert kinds.count("notice.made_available") == 2 and "notice.downloaded" in kinds and "message.sent" in kinds
    assert not any("token" in str(e["data"]) and "af_" in str(e["data"]) for e in case.history())
    case.check_final_file(session_factory, backend, tmp_path)



def _finish_with_permit(case):
    participate(case, "Gemeinde")
    case.complete("fachbehoerde", "stellungnahme_abgeben", {"ergebnis": "Zustimmung", "begruendung": "Einvernehmen."})
    case.complete("bauaufsicht", "entscheiden", {"entscheidung": "Genehmigung", "begruendung": "Zulässig."})
    case.pay_fee()
    assert case.get()["status"] == "completed"


def test_missing_documents_then_delivered(installation, people, session_factory, backend, tmp_path):
    case = Case(installation, people)
    case.complete("posteingang", "vollstaendigkeit_pruefen",
                  {"vollstaendig": False, "fehlende_unterlagen": "Standsicherheitsnachweis", "frist_tage": 14})
    assert case.open_tasks() == [] and "Anfrage" in case.document_types()
    assert case.get()["data"]["nachforderung"]["frist"] == "P14D"

    upload = case.client.post(f"/api/v1/cases/{case.id}/documents", headers=people["eingang"].headers,
                              data={"subject": "Standsicherheitsnachweis", "doc_type": "Bauvorlage",
                                    "file": (io.BytesIO(pdf_samples.clean() + b"\n%Statik"), "Statik.pdf")},
                              content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    sent = case.client.post("/api/v1/messages", headers=people["eingang"].headers, json={
        "name": "unterlagen_nachgereicht", "correlation": {"business_key": case.aktenzeichen},
        "data": {"dokumente": ["Standsicherheitsnachweis"]}})
    assert sent.status_code == 202 and sent.json["outcome"] == "delivered", sent.json
    installation.drain()
    assert case.open_tasks() == ["vollstaendigkeit_pruefen"]
    assert case.get()["data"]["nachreichung"] == {"dokumente": ["Standsicherheitsnachweis"]}
    # The deadline timer was interrupted: travelling past it changes nothing.
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=20), tick=True):
        installation.drain()
        assert case.open_tasks() == ["vollstaendigkeit_pruefen"]
    complete_check(case)
    _finish_with_permit(case)
    case.check_final_file(session_factory, backend, tmp_path)


def test_deadline_missed_closes_the_application_as_withdrawn(installation, people, session_factory, backend, tmp_path):
    case = Case(installation, people)
    case.complete("posteingang", "vollstaendigkeit_pruefen",
                  {"vollstaendig": False, "fehlende_unterlagen": "Lageplan im Maßstab 1:500", "frist_tage": 14})
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=13), tick=True):
        installation.drain()
        assert case.get()["status"] == "running"
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=15), tick=True):
        assert installation.drain(limit=1) == 1  # only the timer: the deadline passes, the notice is queued
    installation.drain(ahead=timedelta(days=15))
    final = case.get()
    assert final["status"] == "completed" and final["data"]["bescheid"]["art"] == "zurueckgenommen"
    notice = next(d for d in case.file()["documents"] if d["doc_type"] == "Bescheid")
    assert "Rücknahme" in notice["subject"]
    case.check_final_file(session_factory, backend, tmp_path)


def test_refusal_needs_a_second_person(installation, people, session_factory, backend, tmp_path):
    case = Case(installation, people)
    complete_check(case)
    participate(case, "Untere Denkmalschutzbehörde")
    case.complete("fachbehoerde", "stellungnahme_abgeben", {"ergebnis": "Ablehnung", "begruendung": "Denkmal."})
    case.complete("bauaufsicht2", "entscheiden", {"entscheidung": "Ablehnung", "begruendung": "Denkmalschutz."})
    assert case.open_tasks() == ["ablehnung_freigeben"]
    assert case.get()["data"]["entschieden_von"] == "bruno"
    refused = case.complete("bauaufsicht2", "ablehnung_freigeben", {"freigabe": "freigeben"}, expect=403)
    assert "four-eyes" in refused["message"]
    case.complete("supervisor", "ablehnung_freigeben", {"freigabe": "freigeben"})
    case.pay_fee()
    final = case.get()
    assert final["status"] == "completed" and final["data"]["bescheid"]["art"] == "Ablehnung"
    assert len(final["data"]["bescheid"]["dokument_ids"]) == 2  # refusal and fee notice
    case.check_final_file(session_factory, backend, tmp_path)


def _task(case, bpmn_id):
    return next(t for t in case.get()["open_tasks"] if t["bpmn_id"] == bpmn_id)


def test_returned_refusal_goes_back_to_the_clerk_who_decided_with_the_remark(installation, people, session_factory,
                                                                             backend, tmp_path):
    case = Case(installation, people)
    complete_check(case)
    participate(case, "Untere Denkmalschutzbehörde")
    case.complete("fachbehoerde", "stellungnahme_abgeben", {"ergebnis": "Ablehnung", "begruendung": "Denkmal."})
    case.complete("bauaufsicht", "entscheiden", {"entscheidung": "Ablehnung", "begruendung": "Denkmalschutz."})
    freigabe = _task(case, "ablehnung_freigeben")
    assert freigabe["candidate_group"] == "Amtsleitung" and freigabe["assignee"] is None

    without_reason = case.complete("supervisor", "ablehnung_freigeben", {"freigabe": "zurückgeben"}, expect=422)
    assert "freigabe_begruendung" in without_reason["errors"]["fields"]
    not_a_choice = case.complete("supervisor", "ablehnung_freigeben", {"freigabe": "vielleicht"}, expect=422)
    assert "freigabe" in not_a_choice["errors"]["fields"]
    case.complete("supervisor", "ablehnung_freigeben",  # the decision is read-only here: a value for it is dropped
                  {"freigabe": "zurückgeben", "freigabe_begruendung": "Denkmalschutz mit Auflagen prüfen.",
                   "entscheidung": "Genehmigung"})

    returned = _task(case, "entscheiden")
    assert returned["assignee"] == "berta"  # back to the clerk who decided, not to the group
    data = case.get()["data"]
    assert data["rueckgabe_begruendung"] == "Denkmalschutz mit Auflagen prüfen."
    assert data["entscheidung"] == "Ablehnung" and data["begruendung"] == "Denkmalschutz."  # pre-filled
    assert data["freigabe"] is None and data["freigabe_begruendung"] is None
    history = case.history()
    created = [e for e in history if e["kind"] == "task.created" and e["data"]["bpmn_id"] == "entscheiden"]
    assert created[-1]["data"]["assignee"] == "berta"
    assert any(e["kind"] == "step.completed" and e["data"]["name"] == "Entscheidung an die Sachbearbeitung zurückgeben"
               for e in history)

    case.complete("bauaufsicht", "entscheiden", {"entscheidung": "Genehmigung mit Auflagen",
                                                 "auflagen": "Abstimmung mit der Denkmalschutzbehörde.",
                                                 "begruendung": "Mit Auflagen zulässig."})
    case.pay_fee()
    final = case.get()
    assert final["status"] == "completed" and final["data"]["bescheid"]["art"] == "Genehmigung mit Auflagen"
    case.check_final_file(session_factory, backend, tmp_path)


def test_agency_tasks_carry_the_agency_in_their_name(installation, people):
    case = Case(installation, people)
    complete_check(case)
    participate(case, "Brandschutzdienststelle", "Gemeinde")
    names = sorted(t["name"] for t in case.get()["open_tasks"])
    assert names == ["Stellungnahme abgeben – Brandschutzdienststelle", "Stellungnahme abgeben – Gemeinde"]


def test_specialist_system_failing_then_recovering(installation, people, session_factory, backend, tmp_path):
    simulator_control(installation, "alkis", {"mode": "error"})
    try:
        case = Case(installation, people)
        complete_check(case)
        participate(case, "Gemeinde")
        incidents = case.client.get("/api/v1/incidents", headers=people["supervisor"].headers).json["items"]
        [incident] = [i for i in incidents if i["case_id"] == case.id]
        assert incident["task_bpmn_id"] == "flurstueck_abfragen" and "503" in incident["error"]
    finally:
        simulator_control(installation, "alkis", {"mode": "ok"})
    retried = case.client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=people["supervisor"].headers)
    assert retried.status_code == 200, retried.json
    installation.drain()
    assert case.get()["data"]["flurstueck"]["found"] is True
    case.complete("fachbehoerde", "stellungnahme_abgeben", {"ergebnis": "Zustimmung", "begruendung": "Einvernehmen."})
    case.complete("bauaufsicht", "entscheiden", {"entscheidung": "Genehmigung", "begruendung": "Zulässig."})
    case.pay_fee()
    assert case.get()["status"] == "completed"
    kinds = [e["kind"] for e in case.history()]
    assert "incident.opened" in kinds
    case.check_final_file(session_factory, backend, tmp_path)

