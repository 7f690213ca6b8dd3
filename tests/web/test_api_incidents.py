"""Incidents and case operations through the API: list, retry, suspend, resume, cancel."""

from __future__ import annotations

import uuid

import pytest

from tests.engine import background as bg
from tests.web.helpers import deploy, start

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor",)),
    }


@pytest.fixture()
def flaky(app):
    """A service operation on the app's registry that fails while ``state['down']``."""
    state = {"down": True, "calls": 0, "name": f"test.flaky_{uuid.uuid4().hex[:8]}"}

    def handler(person_id, times):
        state["calls"] += 1
        if state["down"]:
            raise ConnectionError("specialist system unreachable")
        return {"person": person_id}

    app.extensions["engine_context"].registry.register(state["name"], handler)
    return state


def _start_service_case(client, people, operation):
    content = (bg.FIXTURES / "bg_service.bpmn").read_text(encoding="utf-8")
    key = f"bg_service_{uuid.uuid4().hex[:8]}"
    content = content.replace('id="bg_service"', f'id="{key}"').replace("test.lookup", operation)
    assert deploy(client, people["modeller"], {"bg_service.bpmn": content.encode()}).status_code == 201
    response = start(client, people["clerk"], key, {"person_id": "p-9", "times": 1})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_incident_listed_and_retried_by_supervisor(client, app, people, flaky, session_factory):
    ctx = app.extensions["engine_context"]
    case_id = _start_service_case(client, people, flaky["name"])
    worker = bg.worker(session_factory, ctx, people["clerk"].authority_id)
    assert bg.drain(worker) == ctx.service_max_attempts
    assert flaky["calls"] == ctx.service_max_attempts

    assert client.get("/api/v1/incidents", headers=people["clerk"].headers).status_code == 403
    listed = client.get("/api/v1/incidents", headers=people["supervisor"].headers).json
    [incident] = [i for i in listed["items"] if i["case_id"] == case_id]
    assert incident["task_bpmn_id"] == "lookup" and "unreachable" in incident["error"]
    assert incident["resolved_at"] is None

    flaky["down"] = False
    retried = client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=people["supervisor"].headers)
    assert retried.status_code == 200 and retried.json["retried_by"] == "aufsicht"
    again = client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=people["supervisor"].headers)
    assert again.status_code == 409
    assert bg.drain(worker) == 1

    case = client.get(f"/api/v1/cases/{case_id}", headers=people["clerk"].headers).json
    assert case["data"]["register"] == {"person": "p-9"}
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["review"]
    still_open = client.get("/api/v1/incidents", headers=people["supervisor"].headers).json["items"]
    assert all(i["id"] != incident["id"] for i in still_open)
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}/history", headers=people["clerk"].headers).json["items"]]
    assert ["incident.opened", "incident.retried", "service.called"] == [k for k in kinds if k.startswith(("incident", "service"))]


def test_suspended_case_runs_no_jobs_until_resumed(client, app, people, flaky, session_factory):
    flaky["down"] = False
    ctx = app.extensions["engine_context"]
    case_id = _start_service_case(client, people, flaky["name"])
    sup = people["supervisor"].headers

    assert client.post(f"/api/v1/cases/{case_id}/suspend", json={"reason": "x"}, headers=people["clerk"].headers).status_code == 403
    suspended = client.post(f"/api/v1/cases/{case_id}/suspend", json={"reason": "Klärung mit Antragsteller"}, headers=sup)
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    assert client.post(f"/api/v1/cases/{case_id}/suspend", json={"reason": "again"}, headers=sup).status_code == 409
    worker = bg.worker(session_factory, ctx, people["clerk"].authority_id)
    assert bg.drain(worker) == 0 and flaky["calls"] == 0

    resumed = client.post(f"/api/v1/cases/{case_id}/resume", json={"reason": "geklärt"}, headers=sup)
    assert resumed.json["status"] == "running"
    assert bg.drain(worker) == 1

    cancelled = client.post(f"/api/v1/cases/{case_id}/cancel", json={"reason": "Antrag zurückgezogen"}, headers=sup)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled" and cancelled.json["open_tasks"] == []
    history = client.get(f"/api/v1/cases/{case_id}/history", headers=sup).json["items"]
    reasons = {e["kind"]: e["data"].get("reason") for e in history if e["kind"].startswith("case.")}
    assert reasons["case.suspended"] == "Klärung mit Antragsteller" and reasons["case.cancelled"] == "Antrag zurückgezogen"
