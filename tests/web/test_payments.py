"""Online payment of a fee: the platform's page, its notifications (duplicate, late, forged, wrong), the proof, delivery."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from eakte.models import Zustellung
from engine.db import transaction
from processes.payment.models import PaymentRequest
from processes.payment.provider import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from tests.support.online import running_online_installation
from tests.support.portal import PermitCase, csrf_of, sign_in

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("payments"), backend, monkeypatch) as running:
            yield running


def _fee(inst, case_id: str) -> PaymentRequest:
    with transaction(inst.sessions) as session:
        fee = session.scalar(select(PaymentRequest).where(PaymentRequest.case_id == case_id))
        session.expunge(fee)
        return fee


def _epay(inst, path: str, body: dict | None = None, method: str = "POST") -> dict:
    response = requests.request(method, f"{inst.online.url('epay')}{path}", json=body, timeout=10,
                                headers={"X-API-Key": inst.online.admin_key})
    response.raise_for_status()
    return response.json()


def _notify(inst, body: dict, secret: str | None = None):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    key = (secret or inst.merchant.notification_secret).encode()
    return inst.client.post(f"/api/v1/payments/notifications/{inst.slug}", data=raw, content_type="application/json",
                            headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(key, timestamp, raw)})


def _pay_on_platform(client, case_id: str, action: str = "bezahlen"):
    """Press 'pay' in the portal, act on the platform's page (real HTTP), come back."""
    page = client.get(f"/buerger/antraege/{case_id}").get_data(as_text=True)
    started = client.post(f"/buerger/antraege/{case_id}/zahlung", data={"csrf_token": csrf_of(page)})
    assert started.status_code == 303, started.get_data(as_text=True)
    platform = requests.get(started.location, timeout=10)
    assert "Gebühr bezahlen" in platform.text and "3.200,00 €" in platform.text
    back = requests.post(started.location, data={"aktion": action, "zahlverfahren": "GIROPAY"}, allow_redirects=False,
                         timeout=10)
    assert back.status_code == 303
    location = urlsplit(back.headers["Location"])
    return client.get(f"{location.path}?{location.query}")


def test_fee_paid_online_delivers_the_notices_which_the_applicant_downloads(inst):
    case = PermitCase.received(inst, "erika")
    case.decide()
    fee = _fee(inst, case.id)
    assert fee.status == "open" and fee.amount_cents == 320000 and case.open_tasks() == []
    client = inst.app.test_client()
    sign_in(client, "erika")
    page = client.get(f"/buerger/antraege/{case.id}").get_data(as_text=True)
    assert "Gebühr offen" in page and fee.kassenzeichen in page and "Gebühr online bezahlen" in page
    assert "noch keine Bescheide" in page

    cancelled = _pay_on_platform(client, case.id, "abbrechen")
    assert "Sie haben die Zahlung abgebrochen" in client.get(cancelled.location).get_data(as_text=True)
    assert _fee(inst, case.id).status == "cancelled" and case.get()["status"] == "running"
    failed = _pay_on_platform(client, case.id, "ablehnen")
    assert "nicht gelungen" in client.get(failed.location).get_data(as_text=True)

    _epay(inst, "/_control", {"notification": "duplicate"})
    try:
        paid = _pay_on_platform(client, case.id)
    finally:
        _epay(inst, "/_control", {"notification": "immediate"})
    assert "Vielen Dank! Ihre Zahlung ist eingegangen." in client.get(paid.location).get_data(as_text=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # both notifications of the duplicate arrive; they change nothing
        [payment] = [p for p in _epay(inst, "/_control/payments", method="GET")["zahlungen"]
                     if p["kassenzeichen"] == fee.kassenzeichen and p["status"] == "BOOKED"]
        if len(payment["benachrichtigungen"]) == 2:
            break
        time.sleep(0.1)
    assert payment["benachrichtigungen"] == [200, 200]
    fee = _fee(inst, case.id)
    assert fee.status == "paid" and fee.payment_method == "giropay / paydirect" and fee.proof_dokument_id
    inst.drain()
    data = case.get()
    assert data["status"] == "completed" and data["data"]["zahlung"]["kassenzeichen"] == fee.kassenzeichen
    history = inst.client.get(f"/api/v1/cases/{case.id}/history", query_string={"per_page": 500},
                              headers=case.clerk.headers).json["items"]
    assert [e["kind"] for e in history].count("payment.booked") == 1

    page = client.get(f"/buerger/antraege/{case.id}").get_data(as_text=True)
    assert "Genehmigt" in page and "bezahlt am" in page
    links = re.findall(r'href="(/buerger/antraege/[^"]+/bescheide/[^"]+)"', page)
    assert len(links) == 2
    notice = client.get(links[0])
    assert notice.status_code == 200 and notice.data[:5] == b"%PDF-"
    with transaction(inst.sessions) as session:
        delivery = session.get(Zustellung, links[0].rsplit("/", 1)[1])
        assert delivery.first_downloaded_at is not None and delivery.download_count == 1
    history = inst.client.get(f"/api/v1/cases/{case.id}/history", query_string={"per_page": 500},
                              headers=case.clerk.headers).json["items"]
    [download] = [e for e in history if e["kind"] == "notice.downloaded"]
    assert download["data"]["via"] == "buergerportal" and download["actor"].startswith("antragsteller:")


def test_late_notification_after_the_payer_is_back(inst):
    case = PermitCase.received(inst, "jens")
    case.decide()
    client = inst.app.test_client()
    sign_in(client, "jens")
    _epay(inst, "/_control", {"notification": "late", "delay": 1.0})
    try:
        back = _pay_on_platform(client, case.id)
    finally:
        _epay(inst, "/_control", {"notification": "immediate"})
    assert _fee(inst, case.id).status == "paid"  # the return page asked the platform
    time.sleep(1.5)  # the late notification arrives: already paid, nothing changes
    assert "Vielen Dank" in client.get(back.location).get_data(as_text=True)
    fee = _fee(inst, case.id)
    payment = next(p for p in _epay(inst, "/_control/payments", method="GET")["zahlungen"]
                   if p["kassenzeichen"] == fee.kassenzeichen)
    assert payment["benachrichtigungen"] == [200]


def test_notifications_that_do_not_fit_are_refused_and_change_nothing(inst):
    case = PermitCase.received(inst, "anna")
    case.decide()
    fee = _fee(inst, case.id)
    client = inst.app.test_client()
    sign_in(client, "anna")
    page = client.get(f"/buerger/antraege/{case.id}").get_data(as_text=True)
    started = client.post(f"/buerger/antraege/{case.id}/zahlung", data={"csrf_token": csrf_of(page)})
    assert started.status_code == 303
    payment_id = _fee(inst, case.id).provider_payment_id
    good = {"zahlungId": payment_id, "kassenzeichen": fee.kassenzeichen, "betrag": fee.amount_cents,
            "waehrung": "EUR", "status": "BOOKED", "zahlverfahren": "PayPal", "gebuchtAm": "2026-03-01T10:00:00+00:00"}

    unknown = _notify(inst, {**good, "kassenzeichen": "99002600099990"})
    assert unknown.status_code == 404 and "unknown Kassenzeichen" in unknown.json["message"]
    wrong_amount = _notify(inst, {**good, "betrag": 100})
    assert wrong_amount.status_code == 422 and "amount 1,00 € instead of 3.200,00 €" in wrong_amount.json["message"]
    forged = _notify(inst, good, secret="falsches-geheimnis")
    assert forged.status_code == 401 and "signature" in forged.json["message"]
    other_payment = _notify(inst, {**good, "zahlungId": "fremd"})
    assert other_payment.status_code == 409
    garbage = inst.client.post(f"/api/v1/payments/notifications/{inst.slug}", data=b"nix",
                               headers={TIMESTAMP_HEADER: "1", SIGNATURE_HEADER: signature(
                                   inst.merchant.notification_secret.encode(), "1", b"nix")})
    assert garbage.status_code == 400
    assert _fee(inst, case.id).status == "pending" and case.get()["status"] == "running"

    accepted = _notify(inst, good)
    assert accepted.status_code == 200 and accepted.json == {"kassenzeichen": fee.kassenzeichen, "status": "paid",
                                                              "result": "paid"}
    again = _notify(inst, good)
    assert again.status_code == 200 and again.json["result"] == "already_paid"
    inst.drain()
    assert case.get()["status"] == "completed"


def test_payment_without_notification_is_settled_by_the_background_query(inst):
    case = PermitCase.received(inst, "mehmet")
    case.decide()
    client = inst.app.test_client()
    sign_in(client, "mehmet")
    _epay(inst, "/_control", {"notification": "none"})
    try:
        page = client.get(f"/buerger/antraege/{case.id}").get_data(as_text=True)
        started = client.post(f"/buerger/antraege/{case.id}/zahlung", data={"csrf_token": csrf_of(page)})
        paid = requests.post(started.location, data={"aktion": "bezahlen"}, allow_redirects=False, timeout=10)
        assert paid.status_code == 303  # the payer pays and closes the browser: no return, no notification
    finally:
        _epay(inst, "/_control", {"notification": "immediate"})
    inst.drain()
    assert _fee(inst, case.id).status == "pending" and case.get()["status"] == "running"
    inst.drain(ahead=timedelta(minutes=16))  # the worker asks the platform about the started payment
    fee = _fee(inst, case.id)
    assert fee.status == "paid" and fee.payment_method == "Kreditkarte"
    assert case.get()["status"] == "completed"
