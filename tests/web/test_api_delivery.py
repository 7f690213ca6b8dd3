"""Digital delivery through the REST API: a sealed notice made available, downloaded anonymously, proven."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from click.testing import CliRunner

from eakte import akten
from eakte.rendering import DocumentMeta, render_pdf
from eakte.siegel import Sealer, make_test_seal_certificate, seal_pdf, verify_seal
from eakte.storage import open_store
from eakte.zustellung import LINK_UNAVAILABLE, issue_notice
from engine.db import transaction
from tests.conftest import unique_key
from tests.eakte.test_rendering import CONTEXTS, META
from tests.web.helpers import deploy, model_bytes, start
from web.cli import main

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def seal_files(tmp_path_factory):
    return make_test_seal_certificate(tmp_path_factory.mktemp("seal"), "Landeshauptstadt Schwerin")


@pytest.fixture()
def people(authority, other_authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung", "Amtsleitung")),
        "stranger": other_authority.user("eve", roles=("clerk", "supervisor")),
    }


@pytest.fixture()
def case(client, people):
    key = unique_key("antrag")
    assert deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    response = start(client, people["clerk"], key, {"applicant": "Erika Müller"}, subject="Carport Müller")
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture()
def notice(session_factory, backend, seal_files, case):
    """A sealed Bescheid issued into the case's file (as a procedure's service task would)."""
    key, cert, ca = seal_files
    with transaction(session_factory) as session:
        vorgang = akten.vorgang_of_case(session, case["id"])
        meta = DocumentMeta(title="Baugenehmigung", aktenzeichen=case["business_key"], author="Anna Schmidt",
                            authority="Landeshauptstadt Schwerin", created_at=datetime.now(timezone.utc))
        version = issue_notice(session, open_store(backend.storage_url), Sealer.load(key, cert, [ca]), vorgang,
                               template="notice.html", context=CONTEXTS["notice.html"], meta=meta,
                               subject="Baugenehmigung Carport", doc_type="Bescheid", actor="anna",
                               now=datetime.now(timezone.utc))
        return {"id": version.dokument_id, "sha256": version.sha256}


def deliver(client, actor, document_id, **body):
    return client.post(f"/api/v1/documents/{document_id}/deliveries",
                       json={"recipient": "Erika Müller, Am Markt 1, 19055 Schwerin", **body}, headers=actor.headers)


def history(client, actor, case_id):
    return client.get(f"/api/v1/cases/{case_id}/history", query_string={"per_page": 500},
                      headers=actor.headers).json["items"]


def test_notice_is_made_available_downloaded_anonymously_and_proven(client, people, case, notice, seal_files):
    clerk = people["clerk"]
    created = deliver(client, clerk, notice["id"])
    assert created.status_code == 201, created.json
    body = created.json
    assert body["sealed"] is True and body["version"] == 1 and body["created_by"] == "anna"
    assert body["download_url"] == f"http://localhost/api/v1/delivery/{body['token']}/content"
    made_available = datetime.fromisoformat(body["made_available_at"])
    assert datetime.fromisoformat(body["expires_at"]) - made_available == timedelta(days=10)

    first = client.get(body["download_url"])  # no Authorization header
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert hashlib.sha256(first.data).hexdigest() == notice["sha256"] == first.headers["X-Content-SHA256"]
    assert first.headers["Cache-Control"] == "no-store"
    report = verify_seal(first.data, [seal_files[2]])
    assert report.valid, report.problem
    stored = client.get(f"/api/v1/documents/{notice['id']}/content", query_string={"original": "true"},
                        headers=clerk.headers)
    assert stored.data == first.data

    [listed] = client.get(f"/api/v1/documents/{notice['id']}/deliveries", headers=clerk.headers).json
    assert listed["first_downloaded_at"] is not None and listed["download_count"] == 1 and "token" not in listed
    assert client.get(body["download_url"]).data == first.data
    [again] = client.get(f"/api/v1/documents/{notice['id']}/deliveries", headers=clerk.headers).json
    assert again["first_downloaded_at"] == listed["first_downloaded_at"] and again["download_count"] == 2

    events = history(client, clerk, case["id"])
    [made] = [e for e in events if e["kind"] == "notice.made_available"]
    assert made["actor"] == "anna" and made["data"]["delivery_id"] == body["id"]
    assert made["data"]["sha256"] == notice["sha256"] and made["data"]["recipient"].startswith("Erika Müller")
    downloads = [e for e in events if e["kind"] == "notice.downloaded"]
    assert [e["data"]["download_count"] for e in downloads] == [1, 2]
    assert {e["data"]["client"] for e in downloads} == {"127.0.0.0/24"}
    assert body["token"] not in str(events)


def test_expired_and_wrong_links_are_404_with_a_neutral_message(client, people, notice):
    url = deliver(client, people["clerk"], notice["id"], ttl_days=1).json["download_url"]
    wrong = client.get(url[:-len("/content")] + "x/content")
    assert wrong.status_code == 404 and wrong.json["message"] == LINK_UNAVAILABLE
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=1, minutes=1)):
        expired = client.get(url)
    assert expired.status_code == 404 and expired.json == wrong.json


def test_other_authority_cannot_deliver_or_list(client, people, notice):
    assert deliver(client, people["stranger"], notice["id"]).status_code == 404
    listed = client.get(f"/api/v1/documents/{notice['id']}/deliveries", headers=people["stranger"].headers)
    assert listed.status_code == 404


def test_incoming_documents_cannot_be_delivered(client, people, case):
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    [antrag] = [d for d in akte["documents"] if d["direction"] == "incoming"]
    refused = deliver(client, people["clerk"], antrag["id"])
    assert refused.status_code == 422 and "only outgoing documents" in refused.json["message"]
    assert client.get(f"/api/v1/documents/{antrag['id']}/deliveries", headers=people["clerk"].headers).json == []


def test_delivery_input_is_validated_and_needs_a_clerk(client, people, notice, authority):
    assert deliver(client, people["clerk"], notice["id"], ttl_days=0).status_code == 422
    missing = client.post(f"/api/v1/documents/{notice['id']}/deliveries", json={}, headers=people["clerk"].headers)
    assert missing.status_code == 422 and "recipient" in str(missing.json["errors"])
    assert deliver(client, people["modeller"], notice["id"]).status_code == 403
    assert client.post(f"/api/v1/documents/{notice['id']}/deliveries", json={"recipient": "x"}).status_code == 401


def test_public_download_is_documented_without_authentication(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["paths"]["/api/v1/delivery/{token}/content"]["get"]["security"] == []
    assert "/api/v1/documents/{document_id}/deliveries" in spec["paths"]


def test_cli_makes_a_test_seal_certificate_usable_as_configuration(tmp_path):
    result = CliRunner().invoke(main, ["eakte", "make-seal-certificate", "--out", str(tmp_path / "seal"),
                                       "--authority-name", "Landeshauptstadt Schwerin"])
    assert result.exit_code == 0, result.output
    settings = dict(line.split("=", 1) for line in result.stdout.splitlines())
    sealer = Sealer.from_config(settings)
    assert sealer.organisation == "Landeshauptstadt Schwerin"
    sealed = seal_pdf(render_pdf("notice.html", CONTEXTS["notice.html"], META), sealer)
    assert verify_seal(sealed, [settings["AKTENFLUSS_SEAL_CHAIN_FILES"]]).valid
