"""XML error messages name only the request's own problems: no other authority's values, no server paths."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

import eakte
import processes
from tests.eakte import xdomea_messages
from processes.simulators.xbau_antrag import SampleAntrag, build_0200

pytestmark = pytest.mark.core

XBAU_URL = "/api/v1/intake/xbau"
APPRAISALS_URL = "/api/v1/disposal/appraisals"
XML = {"Content-Type": "application/xml"}
ENTITY_BOMB = ("<?xml version='1.0'?>\n<!DOCTYPE r [" + "".join(
    f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10)) + "]>\n<r>&l9;</r>").encode()
SERVER_PATHS = [str(Path(processes.__file__).resolve().parent.parent), str(Path(eakte.__file__).resolve().parent)]


def invalid_xbau(secret: str) -> bytes:
    """An XBau 0200 whose message id (a UUID in the schema) is ``secret``: the schema error quotes it."""
    root = build_0200(SampleAntrag(message_id=secret))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def invalid_appraisal(secret: str) -> bytes:
    """An xdomea 0502 whose creation time is ``secret``: the schema error quotes it."""
    message = xdomea_messages.appraisal(str(uuid.uuid4()), [(str(uuid.uuid4()), "V")])
    return message.replace(b"2026-02-01T10:00:00Z", secret.encode())


def assert_clean(response, own: str | None, foreign: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert foreign not in body
    if own is not None:
        assert own in body
    for path in SERVER_PATHS:
        assert path not in body
    assert not re.search(r"['\"]/[^'\"]*\.xsd", body)


@pytest.fixture()
def senders(authority, other_authority):
    """A clerk and an admin in each of two authorities."""
    return {
        "a": (authority.user("eingang-a", roles=("clerk",)), authority.user("archiv-a", roles=("admin",))),
        "b": (other_authority.user("eingang-b", roles=("clerk",)), other_authority.user("archiv-b", roles=("admin",))),
    }


def test_another_authoritys_values_never_appear_in_xml_errors_sequentially(client, senders):
    secret = f"GEHEIM-{uuid.uuid4().hex}"
    (clerk_a, admin_a), (clerk_b, admin_b) = senders["a"], senders["b"]
    for _ in range(5):
        first = client.post(XBAU_URL, data=invalid_xbau(secret), headers={**clerk_a.headers, **XML})
        assert_clean(first, secret, "no-such-value")
        bomb = client.post(XBAU_URL, data=ENTITY_BOMB, headers={**clerk_b.headers, **XML})
        assert_clean(bomb, None, secret)
        appraisal = client.post(APPRAISALS_URL, data=invalid_appraisal(secret), headers={**admin_a.headers, **XML})
        assert_clean(appraisal, secret, "no-such-value")
        for url, actor in ((APPRAISALS_URL, admin_b), (XBAU_URL, clerk_b)):
            assert_clean(client.post(url, data=ENTITY_BOMB, headers={**actor.headers, **XML}), None, secret)


def test_another_authoritys_values_never_appear_in_xml_errors_concurrently(app, senders):
    secrets = {"a": f"GEHEIM-A-{uuid.uuid4().hex}", "b": f"GEHEIM-B-{uuid.uuid4().hex}"}

    def send(round_: int) -> list:
        own = "a" if round_ % 2 else "b"
        foreign = "b" if own == "a" else "a"
        clerk, admin = senders[own]
        client = app.test_client()
        if round_ % 3 == 0:
            answers = [(client.post(XBAU_URL, data=ENTITY_BOMB, headers={**clerk.headers, **XML}), None)]
        else:
            answers = [
                (client.post(XBAU_URL, data=invalid_xbau(secrets[own]), headers={**clerk.headers, **XML}), secrets[own]),
                (client.post(APPRAISALS_URL, data=invalid_appraisal(secrets[own]), headers={**admin.headers, **XML}),
                 secrets[own]),
            ]
        return [(response.status_code, response.get_data(as_text=True), expected, secrets[foreign])
                for response, expected in answers]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [answer for answers in pool.map(send, range(60)) for answer in answers]
    for status, body, own, foreign in results:
        assert status == 422, body
        assert foreign not in body
        assert own is None or own in body
        assert not any(path in body for path in SERVER_PATHS)
