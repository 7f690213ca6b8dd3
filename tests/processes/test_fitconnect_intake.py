"""FIT-Connect intake end to end: encrypted submissions fetched, checked, turned into cases or rejected with a reason."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import Case, UserTask
from processes.fitconnect import events
from processes.fitconnect.jose import generate_private_key, public_jwk
from processes.fitconnect.models import FitConnectSubmission
from processes.fitconnect.polling import waiting_poll
from processes.portal.models import ApplicantAccount, CaseLink
from tests.support.applications import BIRTH, control, send_birth_notification, send_building_application
from tests.support.online import running_online_installation

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("fitconnect"), backend, monkeypatch) as running:
            yield running


def _submission(inst, submission_id: str) -> FitConnectSubmission | None:
    with transaction(inst.sessions) as session:
        row = session.scalar(select(FitConnectSubmission).where(FitConnectSubmission.submission_id == submission_id))
        if row is not None:
            session.expunge(row)
        return row


def _case_count(inst) -> int:
    with transaction(inst.sessions) as session:
        return session.scalar(select(func.count()).select_from(Case).where(Case.authority_id == inst.authority_id))


def _documents(inst, case_id: str) -> list[tuple[str, str]]:
    clerk = inst.user(f"akte-{time.monotonic_ns()}", roles=("supervisor", "clerk"))
    files = inst.client.get(f"/api/v1/cases/{case_id}/file", headers=clerk.headers).json
    return sorted((d["doc_type"], d["subject"]) for d in files["documents"])


def _decided(inst, submission_id: str) -> dict:
    """What the Zustelldienst recorded: the submission's status and the subscriber's event."""
    state = control(inst, f"/submissions/{submission_id}", method="GET")
    decisions = [e for e in state["events"] if events.ACCEPT in e["events"] or events.REJECT in e["events"]]
    return {"status": state["status"], "events": decisions}


def test_building_application_becomes_a_case_with_its_attachments_and_the_applicants_pseudonym(inst):
    sent = send_building_application(inst)
    inst.poll()
    row = _submission(inst, sent.submission_id)
    assert row.status == "accepted" and row.problems == [] and row.event_sent_at is not None
    with transaction(inst.sessions) as session:
        case = session.get(Case, row.case_id)
        assert case.definition.key == "baugenehmigung" and case.channel == "fitconnect"
        assert case.business_key.startswith("63.01-")
        assert case.data["eingang"]["fitconnect"]["submission_id"] == sent.submission_id
        assert case.data["antragsteller"]["name"] == "Erika Müller"
        [link] = session.scalars(select(CaseLink).where(CaseLink.case_id == case.id))
        account = session.get(ApplicantAccount, link.account_id)
        assert link.channel == "fitconnect" and account.issuer == inst.online.url("eid")
        assert account.subject == inst.online.eid.pseudonym("erika") and account.assurance == "substantiell"
    documents = _documents(inst, row.case_id)
    assert ("Bauvorlage", "Lageplan") in documents and ("Bauvorlage", "Bauzeichnungen") in documents
    assert ("Antrag", "XBau-Nachricht baugenehmigung.antrag.0200") in documents
    assert ("Antrag", "Antrag (PDF des Onlinedienstes)") in documents
    assert ("Nachricht", "FIT-Connect: Metadaten der Einreichung") in documents
    decided = _decided(inst, sent.submission_id)
    assert decided["status"] == "accepted"
    [accept] = decided["events"]
    assert accept["iss"] == inst.destination.destination_id and accept["txn"] == f"case:{sent.case_id}"
    assert set(accept["events"][events.ACCEPT]["authenticationTags"]) == {"metadata", "data", "attachments"}
    with transaction(inst.sessions) as session:  # the procedure runs: receipt sent, completeness check waits
        tasks = session.scalars(select(UserTask.bpmn_id).where(UserTask.case_id == row.case_id,
                                                                UserTask.status == "open"))
        assert list(tasks) == ["vollstaendigkeit_pruefen"]


def test_callback_makes_the_poll_run_at_once(inst):
    with transaction(inst.sessions) as session:
        waiting = waiting_poll(session, inst.authority_id)
        assert waiting is not None and waiting.run_at > waiting.created_at  # the next regular poll is later
    sent = send_birth_notification(inst)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _submission(inst, sent.submission_id) is None:
        inst.drain()  # the callback (from the simulator's thread) moved the poll job to now
        time.sleep(0.1)
    row = _submission(inst, sent.submission_id)
    assert row is not None and row.status == "accepted"
    with transaction(inst.sessions) as session:
        case = session.get(Case, row.case_id)
        assert case.definition.key == "geburt" and case.data["mutter"]["family_name"] == "Müller"
        assert session.scalar(select(CaseLink).where(CaseLink.case_id == case.id)) is None  # no identification
    assert ("Antrag", "Fachdaten: Geburtsanzeige") in _documents(inst, row.case_id)


def _assert_rejected(inst, sent, kind: str, instance: str) -> dict:
    before = _case_count(inst)
    inst.poll()
    row = _submission(inst, sent.submission_id)
    assert row.status == "rejected" and row.case_id is None and _case_count(inst) == before
    [found] = [p for p in row.problems if p["instance"] == instance]
    assert found["type"].endswith("/" + kind), row.problems
    decided = _decided(inst, sent.submission_id)
    assert decided["status"] == "rejected"
    assert decided["events"][0]["events"][events.REJECT]["problems"] == row.problems
    return found


def test_submission_encrypted_with_another_key_is_rejected(inst):
    stranger = public_jwk(generate_private_key("RSA-OAEP-256", 2048))
    sent = send_building_application(inst, encryption_key=stranger)
    found = _assert_rejected(inst, sent, "encryption-issue", "metadata")
    assert "Metadaten" in found["detail"]


def test_tampered_ciphertext_is_rejected(inst):
    sent = send_building_application(inst)
    control(inst, f"/submissions/{sent.submission_id}/tamper", {"part": "data"})
    _assert_rejected(inst, sent, "encryption-issue", "data")


def test_wrong_hash_is_rejected(inst):
    sent = send_birth_notification(inst, data_hash="0" * 128)
    _assert_rejected(inst, sent, "hash-mismatch", "data")


def test_schema_invalid_data_set_is_rejected(inst):
    invalid = {k: v for k, v in BIRTH.items() if k != "mutter"} | {"kind": {**BIRTH["kind"], "birth_date": "14.02."}}
    sent = send_birth_notification(inst, data=invalid)
    found = _assert_rejected(inst, sent, "schema-violation", "data")
    assert "'mutter' is a required property" in found["detail"] and "/kind/birth_date" in found["detail"]


def test_replayed_submission_creates_no_second_case(inst):
    sent = send_building_application(inst)
    inst.poll()
    first = _submission(inst, sent.submission_id)
    assert first.status == "accepted"
    cases = _case_count(inst)
    control(inst, f"/submissions/{sent.submission_id}/replay")  # offered again as if new
    inst.poll()
    assert _case_count(inst) == cases and _submission(inst, sent.submission_id).case_id == first.case_id
    copy = control(inst, f"/submissions/{sent.submission_id}/copy")  # the same ciphertexts under a new id
    found = _assert_rejected(inst, type(sent)(copy["submissionId"], copy["caseId"]), "replayed-submission", "data")
    assert sent.submission_id in found["detail"]


def test_unknown_destination_is_refused(inst):
    with pytest.raises(RuntimeError, match="404.*destination"):
        inst.sender.send("00000000-0000-4000-8000-000000000000", "urn:de:fim:leika:leistung:99066025001000",
                         b"<x/>", schema_uri="x", mime_type="application/xml")
    refused = inst.client.post("/api/v1/fitconnect/callbacks/keine-behoerde", data=b"{}",
                               headers={"callback-authentication": "0", "callback-timestamp": "0"})
    assert refused.status_code == 404 and "no FIT-Connect callback is configured" in refused.json["message"]
