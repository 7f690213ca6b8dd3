"""The applicant-side simulators behave like the services they stand for: they refuse what the real ones refuse."""

import json
import uuid
from datetime import datetime, timezone

import pytest
import requests

from processes.fitconnect import events
from processes.fitconnect.jose import generate_private_key, import_rsa_key, sign_event
from processes.simulators.online import LEIKA_BAUGENEHMIGUNG, start_online_simulators

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def online(tmp_path_factory):
    with start_online_simulators() as running:
        running.destination = running.add_destination("sim", ["baugenehmigung"], tmp_path_factory.mktemp("keys"))
        yield running


def _token(online, client_id, secret):
    return requests.post(f"{online.url('fitconnect')}/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def test_zustelldienst_tokens_and_subscriptions(online):
    d = online.destination
    assert _token(online, d.client_id, "falsch").status_code == 401
    token = _token(online, d.client_id, d.client_secret).json()
    assert token["scope"] == f"subscribe:destination:{d.destination_id}"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    api = online.url("fitconnect")
    assert requests.get(f"{api}/v1/submissions", params={"destinationId": d.destination_id}, headers=headers,
                        timeout=5).json()["submissions"] == []
    assert requests.get(f"{api}/v1/submissions", params={"destinationId": str(uuid.uuid4())}, headers=headers,
                        timeout=5).status_code == 403
    assert requests.get(f"{api}/v1/submissions", params={"destinationId": d.destination_id}, timeout=5,
                        headers={"Authorization": "Bearer erfunden"}).status_code == 401


def test_zustelldienst_takes_only_events_signed_with_the_destinations_key(online):
    d = online.destination
    sender = online.add_sender("test-sender")
    sent = sender.send(d.destination_id, LEIKA_BAUGENEHMIGUNG, b"<x/>", schema_uri="urn:x", mime_type="application/xml")
    token = _token(online, d.client_id, d.client_secret).json()["access_token"]
    url = f"{online.url('fitconnect')}/v1/cases/{sent.case_id}/events"
    stranger = generate_private_key("PS512", 2048)
    claims = events.reject_claims(d.destination_id, sent.submission_id, sent.case_id,
                                  [{"type": "t", "title": "x", "detail": "y", "instance": "data"}],
                                  datetime.now(timezone.utc))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/jose"}
    forged = requests.post(url, data=sign_event(claims, import_rsa_key(stranger), stranger["kid"]), headers=headers,
                           timeout=5)
    assert forged.status_code == 422 and "signature key" in forged.json()["detail"]
    signing = json.loads(d.signing_key_file.read_text())
    taken = requests.post(url, data=sign_event(claims, import_rsa_key(signing), signing["kid"]), headers=headers,
                          timeout=5)
    assert taken.status_code == 204
    again = requests.post(url, data=sign_event(claims, import_rsa_key(signing), signing["kid"]), headers=headers,
                          timeout=5)
    assert again.status_code == 409  # decided once: the state machine of the real service


def test_sender_cannot_submit_before_uploading_announced_attachments(online):
    sender = online.add_sender("test-sender-2")
    token = sender._token()
    api, headers = online.url("fitconnect"), {"Authorization": f"Bearer {token}"}
    created = requests.post(f"{api}/v1/submissions", headers=headers, timeout=5, json={
        "destinationId": online.destination.destination_id, "announcedAttachments": [str(uuid.uuid4())],
        "serviceType": {"identifier": LEIKA_BAUGENEHMIGUNG}}).json()
    submitted = requests.put(f"{api}/v1/submissions/{created['submissionId']}", headers=headers, timeout=5,
                             json={"encryptedMetadata": "a.b.c.d.e", "encryptedData": "a.b.c.d.e"})
    assert submitted.status_code == 422 and "missing-attachments" in submitted.json()["type"]
    offered = requests.post(f"{api}/v1/submissions", headers=headers, timeout=5, json={
        "destinationId": online.destination.destination_id, "serviceType": {"identifier": "urn:de:fim:leika:leistung:1"}})
    assert offered.status_code == 422


def test_eid_broker_and_payment_platform_refuse_strangers(online):
    eid, epay = online.url("eid"), online.url("epay")
    page = requests.get(f"{eid}/authorize", timeout=5, params={"client_id": "unbekannt", "redirect_uri": "http://x",
                                                              "scope": "openid", "response_type": "code"})
    assert page.status_code == 400 and "Unbekannter Dienst" in page.text
    assert requests.post(f"{eid}/token", timeout=5, data={"grant_type": "authorization_code", "code": "x",
                                                         "client_id": "c", "client_secret": "s"}).status_code == 401
    assert requests.post(f"{epay}/api/v1/zahlungen", json={}, auth=("m", "k"), timeout=5).status_code == 401
    merchant = online.add_merchant("sim")
    bad = requests.post(f"{epay}/api/v1/zahlungen", json={"betrag": -5}, timeout=5,
                        auth=(merchant.merchant_id, merchant.api_key))
    assert bad.status_code == 400
