"""POST /api/v1/messages: deliver to the waiting case, keep for later, start cases, 404 otherwise; documents filed."""

from __future__ import annotations

import base64
import uuid

import pytest

from tests.eakte import pdf_samples
from tests.engine.background import FIXTURES
from tests.web.helpers import deploy, start

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",)),
    }


def _deploy(client, actor, name: str, replace: dict[str, str]) -> str:
    stem = name.removesuffix(".bpmn")
    key = f"{stem}_{uuid.uuid4().hex[:8]}"
    content = (FIXTURES / name).read_text(encoding="utf-8").replace(f'id="{stem}"', f'id="{key}"')
    for old, new in replace.items():
        content = content.replace(old, new)
    response = deploy(client, actor, {name: content.encode()})
    assert response.status_code == 201, response.json
    return key


def _complete_open_task(client, actor, case_id):
    case = client.get(f"/api/v1/cases/{case_id}", headers=actor.headers).json
    [task] = case["open_tasks"]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}, headers=actor.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_message_kept_until_the_case_waits_then_delivered(client, people):
    clerk = people["clerk"]
    key = _deploy(client, people["modeller"], "bg_message.bpmn", {})
    antrag = f"A-{uuid.uuid4().hex[:6]}"
    started = start(client, clerk, key, {"antrag_nr": antrag})
    assert started.status_code == 201, started.json
    case_id = started.json["id"]

    early = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": "document_received", "correlation": {"variable": "antrag_nr", "value": antrag}, "data": {"pages": 3}})
    assert early.status_code == 202, early.json
    assert early.json["outcome"] == "kept" and early.json["case_id"] == case_id and early.json["expires_at"]

    after = _complete_open_task(client, clerk, case_id)  # the case reaches the catch event: delivered
    assert [t["bpmn_id"] for t in after["open_tasks"]] == ["check"]
    assert after["data"]["document"] == {"pages": 3}
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}/history", headers=clerk.headers).json["items"]]
    assert kinds.count("message.received") == 1 and kinds.count("message.delivered") == 1


def test_message_to_waiting_case_by_variable_is_delivered_at_once(client, people):
    clerk = people["clerk"]
    key = _deploy(client, people["modeller"], "bg_message.bpmn", {})
    antrag = 4711 + uuid.uuid4().int % 10**9
    case_id = start(client, clerk, key, {"antrag_nr": antrag}).json["id"]
    _complete_open_task(client, clerk, case_id)

    response = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": "document_received", "correlation": {"variable": "antrag_nr", "value": antrag}, "data": {"ok": True}})
    assert response.status_code == 202, response.json
    assert response.json["outcome"] == "delivered" and response.json["expires_at"] is None
    case = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["check"]


def test_unknown_correlation_is_404_with_a_clear_message(client, people):
    response = client.post("/api/v1/messages", headers=people["clerk"].headers, json={
        "name": "document_received", "correlation": {"business_key": "AZ-unknown"}, "data": {}})
    assert response.status_code == 404
    assert "business key 'AZ-unknown'" in response.json["message"] and "not kept" in response.json["message"]


def test_message_start_event_starts_a_case(client, people):
    clerk = people["clerk"]
    message = f"application_{uuid.uuid4().hex[:6]}"
    _deploy(client, people["modeller"], "bg_message_start.bpmn", {"application_MSGKEY": message})
    aktenzeichen = f"AZ-{uuid.uuid4().hex[:6]}"
    response = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": message, "correlation": {"business_key": aktenzeichen}, "data": {"applicant": "Erika"}})
    assert response.status_code == 202, response.json
    assert response.json["outcome"] == "started"
    case = client.get(f"/api/v1/cases/{response.json['case_id']}", headers=clerk.headers).json
    assert case["business_key"] != aktenzeichen and case["data"]["application"] == {"applicant": "Erika"}
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["handle"]


def test_invalid_correlation_is_rejected(client, people):
    response = client.post("/api/v1/messages", headers=people["clerk"].headers, json={
        "name": "x", "correlation": {"variable": "a", "value": [1]}, "data": {}})
    assert response.status_code == 422


def _document(content: bytes, title: str = "Lageplan (nachgereicht)", doc_type: str = "Bauvorlage") -> dict:
    return {"filename": "lageplan.pdf", "title": title, "doc_type": doc_type,
            "content": base64.b64encode(content).decode()}


def _incoming(client, actor, case_id) -> list[dict]:
    akte = client.get(f"/api/v1/cases/{case_id}/file", headers=actor.headers).json
    return [d for d in akte["documents"] if d["direction"] == "incoming" and d["doc_type"] != "Antrag"]


def _case_waiting_for_a_document(client, people) -> tuple[str, str]:
    """Start a bg_message case (its first task still open); return its id and its antrag_nr."""
    key = _deploy(client, people["modeller"], "bg_message.bpmn", {})
    antrag = f"A-{uuid.uuid4().hex[:6]}"
    return start(client, people["clerk"], key, {"antrag_nr": antrag}).json["id"], antrag


def test_documents_with_a_kept_message_are_filed_at_once_and_reach_the_case_with_it(client, people):
    clerk = people["clerk"]
    case_id, antrag = _case_waiting_for_a_document(client, people)

    response = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": "document_received", "correlation": {"variable": "antrag_nr", "value": antrag},
        "data": {"pages": 2}, "documents": [_document(pdf_samples.clean())]})
    assert response.status_code == 202, response.json
    assert response.json["outcome"] == "kept"
    [filed] = _incoming(client, clerk, case_id)  # in the file on arrival, before the case waits for it
    assert (filed["subject"], filed["doc_type"]) == ("Lageplan (nachgereicht)", "Bauvorlage")

    after = _complete_open_task(client, clerk, case_id)
    assert after["data"]["document"] == {"pages": 2, "dokumente": [
        {"dokument_id": filed["id"], "betreff": "Lageplan (nachgereicht)", "typ": "Bauvorlage",
         "dateiname": "lageplan.pdf"}]}


def test_message_start_files_its_documents_into_the_new_case(client, people):
    clerk = people["clerk"]
    message = f"application_{uuid.uuid4().hex[:6]}"
    _deploy(client, people["modeller"], "bg_message_start.bpmn", {"application_MSGKEY": message})
    response = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": message, "correlation": {"business_key": f"AZ-{uuid.uuid4().hex[:6]}"}, "data": {},
        "documents": [_document(pdf_samples.clean(), title="Antragsformular", doc_type="Antrag")]})
    assert response.status_code == 202, response.json
    akte = client.get(f"/api/v1/cases/{response.json['case_id']}/file", headers=clerk.headers).json
    assert "Antragsformular" in [d["subject"] for d in akte["documents"]]
    case = client.get(f"/api/v1/cases/{response.json['case_id']}", headers=clerk.headers).json
    assert [d["betreff"] for d in case["data"]["application"]["dokumente"]] == ["Antragsformular"]


@pytest.mark.parametrize(("document", "data", "problem"), [
    (_document(b"MZ\x90\x00 not a document"), {}, "lageplan.pdf"),
    (_document(pdf_samples.clean(), doc_type="Zettel"), {}, "doc_type"),
    ({"filename": "x.pdf", "title": "x", "content": "not base64!"}, {}, "base64"),
    (_document(pdf_samples.clean()), {"dokumente": []}, "dokumente"),
])
def test_bad_document_refuses_the_whole_message(client, people, document, data, problem):
    clerk = people["clerk"]
    case_id, antrag = _case_waiting_for_a_document(client, people)

    response = client.post("/api/v1/messages", headers=clerk.headers, json={
        "name": "document_received", "correlation": {"variable": "antrag_nr", "value": antrag},
        "data": data, "documents": [document]})
    assert response.status_code == 422, response.json
    assert problem in str(response.json)
    assert _incoming(client, clerk, case_id) == []
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}/history", headers=clerk.headers).json["items"]]
    assert "message.received" not in kinds
