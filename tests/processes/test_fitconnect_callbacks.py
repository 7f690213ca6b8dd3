"""Callbacks of the Zustelldienst: taken only with the right HMAC and a fresh timestamp; they make the poll due."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from engine.db import transaction, utcnow
from processes.fitconnect.config import FitConnectConfig
from processes.fitconnect.polling import CALLBACK_TYPE, CallbackRefused, take_callback, waiting_poll

pytestmark = pytest.mark.core


@pytest.fixture()
def config(authority, monkeypatch):
    monkeypatch.setenv("FC_CB", "callback-geheimnis")
    return FitConnectConfig.from_dict({"token_url": "http://t", "submission_api_url": "http://s", "authorities": {
        authority.slug: {"client_id": "c", "client_secret": "s", "callback_secret": "${FC_CB}", "destinations": [
            {"id": "d", "decryption_key": "a", "signing_key": "b",
             "services": {"urn:de:fim:leika:leistung:1": "baugenehmigung"}}]}}})


def _signed(body: bytes, at, key: bytes = b"callback-geheimnis") -> tuple[str, str]:
    timestamp = str(int(at.timestamp()))
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha512).hexdigest(), timestamp


BODY = json.dumps({"type": CALLBACK_TYPE, "submissionIds": ["s-1"]}).encode()


def test_signed_fresh_callback_makes_the_poll_due(config, authority, session_factory):
    now = utcnow()
    with transaction(session_factory) as session:
        assert take_callback(session, config, authority.slug, BODY, *_signed(BODY, now), now) == ["s-1"]
        assert waiting_poll(session, authority.id).run_at == now
    later = now + timedelta(seconds=30)
    with transaction(session_factory) as session:  # a second callback moves the same job, queues no second one
        take_callback(session, config, authority.slug, BODY, *_signed(BODY, later), later)
        assert waiting_poll(session, authority.id).run_at == now


@pytest.mark.parametrize("case, status, message", [
    ("wrong key", 401, "does not match the body"),
    ("changed body", 401, "does not match the body"),
    ("stale", 401, "more than five minutes off"),
    ("no headers", 401, "are required"),
    ("not a callback", 400, "not a callback of type"),
    ("other authority", 404, "no FIT-Connect callback is configured"),
])
def test_refused_callbacks_change_nothing(config, authority, session_factory, case, status, message):
    now, body, slug = utcnow(), BODY, authority.slug
    signature, timestamp = _signed(body, now)
    if case == "wrong key":
        signature, timestamp = _signed(body, now, key=b"falsch")
    elif case == "changed body":
        body = body.replace(b"s-1", b"s-2")
    elif case == "stale":
        signature, timestamp = _signed(body, now - timedelta(minutes=6))
    elif case == "no headers":
        signature = timestamp = None
    elif case == "not a callback":
        body = b'{"type": "other"}'
        signature, timestamp = _signed(body, now)
    elif case == "other authority":
        slug = "unbekannt"
    with transaction(session_factory) as session:
        with pytest.raises(CallbackRefused, match=message) as refused:
            take_callback(session, config, slug, body, signature, timestamp, now)
        assert refused.value.status == status and waiting_poll(session, authority.id) is None


def test_polling_goes_on_when_a_secret_is_missing(config, authority, session_factory, tmp_path, monkeypatch, caplog):
    from eakte.storage import open_store
    from engine.worker import Worker
    from processes.casework import build_context
    from processes.fitconnect.polling import schedule_polling
    from processes.online import OnlineServices

    store = open_store(str(tmp_path / "documents"))
    broken = FitConnectConfig.from_dict({"token_url": "http://127.0.0.1:9/token", "submission_api_url": "http://x",
                                         "authorities": {authority.slug: {
                                             "client_id": "c", "client_secret": "${FC_NOT_SET}", "destinations": [
                                                 {"id": "d", "decryption_key": "a", "signing_key": "b",
                                                  "services": {"urn:de:fim:leika:leistung:1": "baugenehmigung"}}]}}})
    monkeypatch.delenv("FC_NOT_SET", raising=False)
    ctx = build_context(store=lambda: store, online=OnlineServices(fitconnect=broken))
    assert schedule_polling(session_factory, broken, utcnow()) == [authority.slug]
    worker = Worker(session_factory, ctx, authority_id=authority.id)
    assert worker.run_once() is True
    assert "FC_NOT_SET" in caplog.text
    with transaction(session_factory) as session:
        next_poll = waiting_poll(session, authority.id)
        assert next_poll is not None and next_poll.run_at > utcnow() + timedelta(seconds=50)
