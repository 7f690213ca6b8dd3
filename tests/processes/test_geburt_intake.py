"""A hospital system reports a birth with a JSON data set: the registry office's case starts, or a 422 names the fields."""

import json

import pytest

from tests.processes.personenstand_env import load_civil_status_plan
from tests.processes.procedure_env import deploy, model_files
from tests.support.applications import BIRTH

pytestmark = pytest.mark.core
URL = "/api/v1/intake/geburtsanzeigen"


@pytest.fixture()
def clinic(installation, authority, session_factory):
    installation.authority_id = authority.id
    load_civil_status_plan(session_factory, authority)
    modeller = authority.user("modellierer", roles=("modeller",))
    assert deploy(installation.client, modeller, model_files("geburt")).status_code == 201
    return authority.user("klinik-helios", roles=("clerk",)), authority.user("sabine", roles=("supervisor", "clerk"),
                                                                            groups=("Standesamt",))


def test_birth_notification_from_a_hospital_starts_the_case(installation, clinic):
    hospital, registrar = clinic
    raw = json.dumps(BIRTH, ensure_ascii=False).encode()
    receipt = installation.client.post(URL, data=raw, content_type="application/json", headers=hospital.headers)
    assert receipt.status_code == 201, receipt.json
    installation.drain()
    case = installation.client.get(f"/api/v1/cases/{receipt.json['case_id']}", headers=registrar.headers).json
    assert case["business_key"].startswith("34.01-") and case["data"]["anzeigende_stelle"] == "Helios Kliniken Schwerin"
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["anzeige_pruefen"]
    [filed] = [d for d in receipt.json["documents"] if d["subject"] == "Geburtsanzeige (wie eingegangen)"]
    content = installation.client.get(f"/api/v1/documents/{filed['id']}/content", headers=registrar.headers).data
    assert content == raw


def test_invalid_birth_notification_names_every_problem(installation, clinic):
    hospital, _ = clinic
    invalid = {**BIRTH, "kind": {**BIRTH["kind"], "sex": "x", "birth_date": "14.02.2026"}}
    del invalid["mutter"]
    answer = installation.client.post(URL, json=invalid, headers=hospital.headers)
    assert answer.status_code == 422 and "3 problem(s)" in answer.json["message"]
    paths = {e["path"] for e in answer.json["errors"]}
    assert paths == {"/", "/kind/birth_date", "/kind/sex"}
    assert installation.client.post(URL, data=b"{", content_type="application/json",
                                    headers=hospital.headers).status_code == 422
