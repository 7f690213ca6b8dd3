"""Notices go back through FIT-Connect's reply channel: encrypted for the online service, confirmed, never lost."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from eakte.models import Zustellung
from engine.db import transaction
from engine.models_jobs import Incident, Job
from processes.fitconnect import events
from processes.fitconnect.jose import generate_private_key, public_jwk
from processes.fitconnect.models import FitConnectReply
from tests.support.applications import control, send_building_application
from tests.support.online import running_online_installation
from tests.support.portal import PermitCase, case_of_submission

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("replies"), backend, monkeypatch,
                                         procedures=("baugenehmigung",)) as running:
            yield running


@pytest.fixture(scope="module")
def reply_key():
    """The online service's key pair for replies (its public half goes into the metadata)."""
    return generate_private_key("RSA-OAEP-256", 2048)


def _decided_case(inst, **options) -> PermitCase:
    """A building permit sent with the given reply options, permitted; the fee is still open."""
    sent = send_building_application(inst, **options)
    inst.poll()
    case = PermitCase(inst, case_of_submission(inst, sent.submission_id))
    case.decide()
    return case


def _pay(case: PermitCase) -> None:
    """The cashier books the fee; the notices are delivered."""
    data = case.get()["data"]
    booked = case.inst.client.post("/api/v1/payments/bookings", headers=case.clerk.headers, json={
        "kassenzeichen": data["bescheid"]["kassenzeichen"], "amount_cents": round(data["gebuehr"] * 100)})
    assert booked.status_code == 200, booked.json
    case.inst.drain()


def _replies(inst, case_id: str) -> list[FitConnectReply]:
    with transaction(inst.sessions) as session:
        rows = list(session.scalars(select(FitConnectReply).where(FitConnectReply.case_id == case_id)))
        for row in rows:
            session.expunge(row)
        return rows


def _history(case: PermitCase) -> list[dict]:
    return case.inst.client.get(f"/api/v1/cases/{case.id}/history", query_string={"per_page": 500},
                                headers=case.clerk.headers).json["items"]


def _mailbox_jobs(inst, case_id: str) -> list[Job]:
    with transaction(inst.sessions) as session:
        return [j for j in session.scalars(select(Job).where(Job.case_id == case_id, Job.kind == "outbox"))
                if j.payload.get("operation") == "postfach.senden"]


def _notice_contents(case: PermitCase, dokument_ids: list[str]) -> set[bytes]:
    contents = set()
    for dokument_id in dokument_ids:
        response = case.inst.client.get(f"/api/v1/documents/{dokument_id}/content", headers=case.clerk.headers)
        assert response.status_code == 200
        contents.add(response.data)
    return contents


def test_notices_go_back_encrypted_through_the_reply_channel_and_are_confirmed(inst, reply_key):
    case = _decided_case(inst, reply_key=public_jwk(reply_key))
    _pay(case)
    assert case.get()["status"] == "completed"
    [reply] = _replies(inst, case.id)
    assert reply.status == "submitted" and reply.confirmed_at is not None and reply.last_error is None
    assert len(reply.dokument_ids) == 2  # the permit and the fee notice
    assert _mailbox_jobs(inst, case.id) == []  # not a second way: the notice went through FIT-Connect

    [listed] = [r for r in inst.sender.replies() if r["replyId"] == reply.reply_id]
    assert listed["submissionId"] == reply.submission_id
    received = inst.sender.receive_reply(reply.reply_id, reply_key)
    assert received.metadata["additionalReferenceInfo"]["senderReference"] == case.get()["business_key"]
    assert set(received.files.values()) == _notice_contents(case, reply.dokument_ids)
    assert all(content[:5] == b"%PDF-" for content in received.files.values())
    with pytest.raises(Exception):  # another key cannot read it
        inst.sender.receive_reply(reply.reply_id, generate_private_key("RSA-OAEP-256", 2048))

    state = control(inst, f"/replies/{reply.reply_id}", method="GET")
    assert state["status"] == "submitted"
    kinds = [next(iter(e["events"])) for e in state["events"]]
    assert kinds == [events.SUBMIT_REPLY, events.NOTIFY_REPLY]
    history = _history(case)
    sent = next(e for e in history if e["kind"] == "fitconnect.reply_sent")
    assert sent["data"]["reply_id"] == reply.reply_id
    assert {d["dokument_id"] for d in sent["data"]["dokumente"]} == set(reply.dokument_ids)
    assert {"fitconnect.reply_queued", "fitconnect.reply_confirmed"} <= {e["kind"] for e in history}


def test_a_refused_reply_is_retried_then_an_incident_and_is_sent_once_the_incident_is_retried(inst, reply_key):
    case = _decided_case(inst, reply_key=public_jwk(reply_key))
    control(inst, "/replies/refuse", {"count": 5, "status": 422})
    _pay(case)
    [reply] = _replies(inst, case.id)
    assert reply.status == "pending" and reply.reply_id is None and reply.attempts == 5
    assert "ReplyRefused" in reply.last_error and "422" in reply.last_error
    with transaction(inst.sessions) as session:
        [incident] = session.scalars(select(Incident).where(Incident.case_id == case.id,
                                                            Incident.resolved_at.is_(None)))
        incident_id = incident.id
        assert "422" in incident.error
    assert "incident.opened" in [e["kind"] for e in _history(case)]
    # nothing is lost meanwhile: the notices are in the file and available in the applicant portal
    files = case.inst.client.get(f"/api/v1/cases/{case.id}/file", headers=case.clerk.headers).json
    assert {d["id"] for d in files["documents"]} >= set(reply.dokument_ids)
    with transaction(inst.sessions) as session:
        available = set(session.scalars(select(Zustellung.dokument_id)
                                        .where(Zustellung.dokument_id.in_(reply.dokument_ids))))
        assert available == set(reply.dokument_ids)

    retried = inst.client.post(f"/api/v1/incidents/{incident_id}/retry", headers=case.clerk.headers)
    assert retried.status_code == 200, retried.json
    inst.drain()
    [reply] = _replies(inst, case.id)
    assert reply.status == "submitted" and reply.confirmed_at is not None and reply.last_error is None
    received = inst.sender.receive_reply(reply.reply_id, reply_key)
    assert set(received.files.values()) == _notice_contents(case, reply.dokument_ids)
    with transaction(inst.sessions) as session:
        assert session.get(Incident, incident_id).resolved_at is not None


def test_without_the_fitconnect_channel_the_notices_go_to_the_mailbox_as_before(inst):
    case = _decided_case(inst)  # the application asks for answers by e-mail: not a channel answered here
    _pay(case)
    assert case.get()["status"] == "completed" and _replies(inst, case.id) == []
    [job] = _mailbox_jobs(inst, case.id)
    assert job.status == "done" and job.payload == {"operation": "postfach.senden", "sent": True}


@pytest.mark.parametrize("channel, detail", [
    ({"eMail": {"address": "a@example.org"}, "deMail": {"address": "a@example.de-mail.de"}}, "replyChannel"),
    ("private", "privater Schlüssel"),
    ("small", "verlangt sind mindestens 2048"),
])
def test_a_reply_channel_that_cannot_be_used_rejects_the_submission(inst, channel, detail):
    if channel == "private":
        channel = {"fitConnect": {"encryptionPublicKey": generate_private_key("RSA-OAEP-256", 2048)}}
    elif channel == "small":
        import base64

        from cryptography.hazmat.primitives.asymmetric import rsa

        numbers = rsa.generate_private_key(65537, 1024).public_key().public_numbers()
        small = {"kty": "RSA", "alg": "RSA-OAEP-256", "e": "AQAB", "n": base64.urlsafe_b64encode(
            numbers.n.to_bytes(128, "big")).rstrip(b"=").decode()}
        channel = {"fitConnect": {"encryptionPublicKey": small, "processStandards": []}}
    sent = send_building_application(inst, reply_channel=channel)
    inst.poll()
    decided = control(inst, f"/submissions/{sent.submission_id}", method="GET")
    assert decided["status"] == "rejected"
    [problem] = decided["events"][-1]["events"][events.REJECT]["problems"]
    assert problem["type"].endswith("/schema-violation") and problem["instance"] == "metadata"
    assert detail in problem["detail"]


def test_reply_metadata_names_each_notice_with_its_hash():
    from processes.fitconnect.reply_sender import Notice, Prepared, reply_metadata

    notice = Notice("d1", 1, "a1", "bescheid.pdf", "application/pdf", "Baugenehmigung", "k", "s")
    prepared = Prepared("r", "c", "auth", "slug", None, "fc", "dest", {}, "urn:de:fim:leika:leistung:1",
                        "63.01-2026-000001", (notice,))
    metadata = reply_metadata(prepared, {"a1": b"%PDF-1.7"})
    [entry] = metadata["contentStructure"]["attachments"]
    assert entry["hash"] == {"type": "sha512", "content": hashlib.sha512(b"%PDF-1.7").hexdigest()}
    assert entry["filename"] == "bescheid.pdf" and metadata["publicServiceType"]["identifier"].endswith(":1")
    assert metadata["$schema"].startswith("https://schema.fitko.de/fit-connect/metadata/")
