"""A case through the REST API: deploy, start, claim, complete, history."""

import threading

import pytest

from tests.conftest import unique_key
from tests.engine.background import FIXTURES
from tests.web.helpers import deploy, model_bytes, snapshot, start

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",)),
        "clerk2": authority.user("bernd", roles=("clerk",), groups=("Sachbearbeitung",)),
        "lead": authority.user("chefin", roles=("clerk",), groups=("Amtsleitung",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor",)),
    }


@pytest.fixture()
def process_key(client, people):
    key = unique_key("antrag")
    response = deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)})
    assert response.status_code == 201, response.json
    return key


def test_deploy_versions(client, people):
    key = unique_key("antrag")
    first = deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)})
    assert first.status_code == 201
    assert first.json["version"] == 1 and first.json["key"] == key
    assert first.json["user_tasks"][0]["lane"] == "Sachbearbeitung"

    again = deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)})
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]

    changed = model_bytes("antrag.bpmn", key).replace(b"Antrag pr\xc3\xbcfen", b"Antrag genau pr\xc3\xbcfen")
    second = deploy(client, people["modeller"], {"antrag.bpmn": changed})
    assert second.status_code == 201 and second.json["version"] == 2

    listed = client.get("/api/v1/process-definitions", query_string={"key": key}, headers=people["clerk"].headers)
    assert [d["version"] for d in listed.json] == [2, 1]


def test_clerk_may_not_deploy(client, people):
    response = deploy(client, people["clerk"], {"antrag.bpmn": model_bytes("antrag.bpmn", unique_key())})
    assert response.status_code == 403
    assert "modeller" in response.json["message"]


def test_full_lifecycle(client, people, process_key, session_factory):
    clerk = people["clerk"]
    started = start(client, clerk, process_key, {"applicant": "Erika Mustermann"}, subject="Carport")
    assert started.status_code == 201, started.json
    case = started.json
    assert case["status"] == "running"
    assert case["data"]["received"] is True and case["data"]["applicant"] == "Erika Mustermann"
    [task] = case["open_tasks"]
    assert task["bpmn_id"] == "pruefen" and task["candidate_group"] == "Sachbearbeitung"
    assert task["priority"] == 70 and task["due_at"] is not None

    inbox = client.get("/api/v1/tasks", query_string={"scope": "groups"}, headers=clerk.headers).json
    assert [t["id"] for t in inbox["items"]] == [task["id"]] and inbox["total"] == 1
    assert client.get("/api/v1/tasks", headers=people["lead"].headers).json["total"] == 0

    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=clerk.headers)
    assert claimed.status_code == 200 and claimed.json["assignee"] == "anna"
    mine = client.get("/api/v1/tasks", query_string={"scope": "mine"}, headers=clerk.headers).json
    assert mine["total"] == 1
    other = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=people["clerk2"].headers)
    assert other.status_code == 403

    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=clerk.headers)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "completed" and done.json["open_tasks"] == []
    assert client.get("/api/v1/tasks", headers=clerk.headers).json["total"] == 0

    history = client.get(f"/api/v1/cases/{case['id']}/history", headers=clerk.headers).json
    kinds = [e["kind"] for e in history["items"]]
    assert kinds[0] == "case.started" and kinds[-1] == "case.completed"
    assert "task.created" in kinds and "task.claimed" in kinds and "task.completed" in kinds
    completed = next(e for e in history["items"] if e["kind"] == "task.completed")
    assert completed["actor"] == "anna" and completed["data"]["changes"]["changed"]["approved"] is True

    page = client.get(f"/api/v1/cases/{case['id']}/history", query_string={"page": 2, "per_page": 2}, headers=clerk.headers).json
    assert page["total"] == history["total"] and [e["seq"] for e in page["items"]] == [3, 4]


def test_gateway_default_path_and_lanes(client, people, process_key):
    case = start(client, people["clerk"], process_key).json
    task = case["open_tasks"][0]
    after = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": False}}, headers=people["clerk"].headers).json
    [next_task] = after["open_tasks"]
    assert next_task["bpmn_id"] == "freigeben" and next_task["candidate_group"] == "Amtsleitung"
    assert client.post(f"/api/v1/tasks/{next_task['id']}/complete", json={"data": {}}, headers=people["clerk"].headers).status_code == 403
    final = client.post(f"/api/v1/tasks/{next_task['id']}/complete", json={"data": {}}, headers=people["lead"].headers)
    assert final.status_code == 200 and final.json["status"] == "completed"


@pytest.mark.parametrize("name", ["", "__class__", "_getattr_", "2fast", "mit leerzeichen"])
def test_start_data_names_must_be_plain_identifiers(client, people, process_key, session_factory, name):
    before = snapshot(session_factory)
    response = start(client, people["clerk"], process_key, {name: 1, "applicant": "Erika Mustermann"})
    assert response.status_code == 422, response.json
    assert "field names" in response.json["message"] and name in str(response.json)
    assert snapshot(session_factory) == before


def test_completing_twice_gives_409(client, people, process_key):
    task = start(client, people["clerk"], process_key).json["open_tasks"][0]
    first = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=people["clerk"].headers)
    assert first.status_code == 200
    second = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=people["clerk"].headers)
    assert second.status_code == 409
    assert "already completed" in second.json["message"]


def test_concurrent_completions_exactly_one_wins(app, people, process_key):
    client = app.test_client()
    task = start(client, people["clerk"], process_key).json["open_tasks"][0]
    results: list[int] = []
    barrier = threading.Barrier(4)

    def complete(actor):
        barrier.wait()
        response = app.test_client().post(
            f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": False}}, headers=actor.headers
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=complete, args=(people[name],)) for name in ("clerk", "clerk2", "clerk", "clerk2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409]
    case_id = task["case_id"]
    case = client.get(f"/api/v1/cases/{case_id}", headers=people["clerk"].headers).json
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["freigeben"]  # the follow-up task exists exactly once
    history = client.get(f"/api/v1/cases/{case_id}/history", query_string={"per_page": 500}, headers=people["clerk"].headers).json
    assert [e["kind"] for e in history["items"]].count("task.completed") == 1


def test_a_process_started_by_a_timer_only_cannot_be_started_by_hand(client, people, authority):
    key = unique_key("kontrolle")
    model = (FIXTURES / "bg_timer_start.bpmn").read_bytes().replace(b'id="bg_timer_start"', f'id="{key}"'.encode())
    assert deploy(client, people["modeller"], {"kontrolle.bpmn": model}).status_code == 201
    refused = start(client, people["clerk"], key)
    assert refused.status_code == 409
    assert "starts its cases on a schedule (timer start event 'every_hour')" in refused.json["message"]

    admin = authority.user("admin", roles=("modeller", "admin"))
    shared = deploy(client, admin, {"kontrolle.bpmn": model.replace(key.encode(), f"{key}_shared".encode())},
                    shared="true")
    assert shared.status_code == 422
    [problem] = shared.json["errors"]
    assert problem["element_id"] == "every_hour" and "shared by all authorities" in problem["message"]
