"""Deploying collaborations and called processes; finding cases with GET /api/v1/cases; failed cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.engine import conformance
from tests.web.helpers import deploy, start

pytestmark = pytest.mark.core

SEMANTICS = conformance.SEMANTICS


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk", "supervisor")),
    }


def _model(name: str) -> dict[str, bytes]:
    path = SEMANTICS / name
    return {path.name: path.read_bytes()}


def test_a_collaboration_deploys_every_pool_and_answers_with_the_main_process(client, people):
    response = deploy(client, people["modeller"], _model("c2_collaboration/message_start.bpmn"))
    assert response.status_code == 201, response.json
    assert response.json["key"] == "customer"  # the pool with a none start event
    assert [p["key"] for p in response.json["deployed_processes"]] == ["customer", "shop"]
    shop = client.get("/api/v1/process-definitions", query_string={"key": "shop"}, headers=people["clerk"].headers)
    assert [d["id"] for d in shop.json] == [response.json["deployed_processes"][1]["id"]]
    again = deploy(client, people["modeller"], _model("c2_collaboration/message_start.bpmn"))
    assert again.status_code == 200 and again.json["deployed_processes"] == response.json["deployed_processes"]


def test_a_call_of_a_process_that_is_not_deployed_is_refused_naming_it(client, people):
    content = (SEMANTICS / "c3_call_activity/call_by_key_mapping.bpmn").read_bytes()
    response = deploy(client, people["modeller"], {"letter.bpmn": content.replace(b"stamp_service", b"no_such_stamp")})
    assert response.status_code == 422
    [problem] = response.json["errors"]
    assert problem["element_id"] == "no_such_stamp" and "neither part of the upload nor deployed" in problem["message"]


def test_the_case_list_filters_by_process_state_business_key_time_and_parent(client, people, other_authority):
    clerk = people["clerk"]
    assert deploy(client, people["modeller"], _model("c3_call_activity/call_cancel_parent.bpmn")).status_code == 201
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    parents = [start(client, clerk, "parent_case").json for _ in range(3)]
    cancelled = client.post(f"/api/v1/cases/{parents[0]['id']}/cancel", json={"reason": "Test"}, headers=clerk.headers)
    assert cancelled.status_code == 200

    def listed(**query):
        response = client.get("/api/v1/cases", query_string=query, headers=clerk.headers)
        assert response.status_code == 200, response.json
        return response.json

    everything = listed(per_page=200)
    assert everything["total"] == 6  # three parents, three children (review)
    assert {c["process_key"] for c in everything["items"]} == {"parent_case", "review"}
    assert listed(process_key="parent_case")["total"] == 3
    assert [c["id"] for c in listed(process_key="parent_case", state="cancelled")["items"]] == [parents[0]["id"]]
    children = listed(parent_case_id=parents[1]["id"])["items"]
    assert [c["process_key"] for c in children] == ["review"] and children[0]["parent_case_id"] == parents[1]["id"]
    assert children[0]["business_key"] == parents[1]["business_key"]  # filed in its parent's file
    assert listed(business_key=parents[2]["business_key"])["total"] == 2
    assert listed(started_after=before.isoformat())["total"] == 6
    assert listed(started_before=before.isoformat())["total"] == 0
    first_page = listed(per_page=4, page=1)
    second_page = listed(per_page=4, page=2)
    assert len(first_page["items"]) == 4 and len(second_page["items"]) == 2 and first_page["total"] == 6
    assert {c["id"] for c in first_page["items"]}.isdisjoint({c["id"] for c in second_page["items"]})
    assert "data" not in first_page["items"][0]  # the list shows no personal data

    stranger = other_authority.user("fremd", roles=("clerk",))
    assert client.get("/api/v1/cases", headers=stranger.headers).json["total"] == 0
    bad = client.get("/api/v1/cases", query_string={"state": "lost"}, headers=clerk.headers)
    assert bad.status_code == 422 and "state" in str(bad.json)


def test_an_uncaught_error_end_event_fails_the_case_with_its_code(client, people):
    assert deploy(client, people["modeller"], _model("c6_internal_events/error_uncaught.bpmn")).status_code == 201
    case = start(client, people["clerk"], "failing").json
    assert (case["status"], case["error_code"]) == ("failed", "FATAL_42") and case["ended_at"]
    history = client.get(f"/api/v1/cases/{case['id']}/history", headers=people["clerk"].headers).json["items"]
    assert [e["kind"] for e in history][-2:] == ["step.completed", "case.failed"]
    assert history[-1]["data"] == {"error_code": "FATAL_42"}
    failed = client.get("/api/v1/cases", query_string={"state": "failed"}, headers=people["clerk"].headers).json
    assert [c["id"] for c in failed["items"]] == [case["id"]]
