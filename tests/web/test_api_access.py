"""Authentication, roles and authority isolation in the REST API."""

import pytest

from tests.conftest import unique_key
from tests.web.helpers import deploy, model_bytes, start

pytestmark = pytest.mark.core


def test_missing_and_invalid_tokens(client):
    assert client.get("/api/v1/tasks").status_code == 401
    response = client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and "invalid" in response.json["message"]
    assert client.get("/api/v1/tasks", headers={"Authorization": "Basic abc"}).status_code == 401


def test_openapi_is_served(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/process-definitions", "/api/v1/cases", "/api/v1/cases/{case_id}/history",
                 "/api/v1/tasks", "/api/v1/tasks/{task_id}/complete"):
        assert path in spec["paths"], path


def test_other_authority_sees_nothing(client, authority, other_authority):
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))
    stranger = other_authority.user("eve", roles=("clerk", "supervisor"), groups=("Sachbearbeitung",))
    key = unique_key("antrag")
    assert deploy(client, modeller, {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    case = start(client, clerk, key).json
    task = case["open_tasks"][0]

    assert start(client, stranger, key).status_code == 404  # the definition is private to the first authority
    assert client.get(f"/api/v1/cases/{case['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/history", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=stranger.headers).status_code == 404
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}, headers=stranger.headers).status_code == 404
    assert client.get("/api/v1/tasks", query_string={"scope": "authority"}, headers=stranger.headers).json["total"] == 0
    assert client.get("/api/v1/process-definitions", query_string={"key": key}, headers=stranger.headers).json == []


def test_bad_requests_are_4xx_with_a_message(client, authority):
    clerk = authority.user("anna", roles=("clerk",))
    assert client.post("/api/v1/cases", json={}, headers=clerk.headers).status_code == 422
    response = client.post("/api/v1/cases", data="not json", headers={**clerk.headers, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    response = start(client, clerk, "does_not_exist")
    assert response.status_code == 404 and "does_not_exist" in response.json["message"]
    assert client.get("/api/v1/tasks", query_string={"sort": "bogus"}, headers=clerk.headers).status_code == 422
    assert client.get("/api/v1/tasks", query_string={"page": 0}, headers=clerk.headers).status_code == 422
    assert client.post("/api/v1/tasks/unknown/complete", json={"data": {}}, headers=clerk.headers).status_code == 404


def test_invalid_model_upload_lists_problems(client, authority):
    modeller = authority.user("mod", roles=("modeller",))
    response = deploy(client, modeller, {"broken.bpmn": b"<bpmn:definitions xmlns:bpmn='x'><unclosed>"})
    assert response.status_code == 422
    assert response.json["errors"] and response.json["errors"][0]["line"] is not None
    response = client.post("/api/v1/process-definitions", data=b"", headers=modeller.headers)
    assert response.status_code == 400


def test_task_data_must_be_plain_fields(client, authority):
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))
    key = unique_key("antrag")
    deploy(client, modeller, {"antrag.bpmn": model_bytes("antrag.bpmn", key)})
    task = start(client, clerk, key).json["open_tasks"][0]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"__class__": 1}}, headers=clerk.headers)
    assert response.status_code == 422 and "__class__" in response.json["errors"]["fields"]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=clerk.headers).json["status"] == "open"
