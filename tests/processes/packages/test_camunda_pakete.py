"""Packages made with Camunda Modeler conventions deploy and run: a C8 package (start form and user task linked by
``zeebe:formDefinition formId``, an embedded ``zeebe:userTaskForm``) and a C7 package (``camunda:formRef``,
``camunda:formKey="camunda-forms:deployment:…"``), each with its form-js files and a manifest, as one ZIP.
The browser side (upload, Neuer Vorgang, task forms) is tests/e2e/test_camunda_package_browser.py."""

from __future__ import annotations

import pytest

from tests.conftest import unique_key
from tests.processes.packages.helpers import camunda_package, zipped

pytestmark = pytest.mark.core

START = {"antragsteller": "Erika Mustermann", "anschrift": {"strasse": "Am Markt 1", "plz": "19055", "ort": "Schwerin"}}
REVIEW = {"nachweise": ["lageplan", "baubeschreibung"], "entscheidung": "abgelehnt", "begruendung": "Abstand zu gering.",
          "gebuehr": 120.5, "frist": "2026-05-04", "auflagen": [{"text": "Stellplatz nachweisen", "erfuellt": False}]}
FOLLOW_UP = {"antrag_c8": {"rueckfrage": "Bitte den Lageplan ergänzen.", "antwort_da": True},
             "antrag_c7": {"antragsteller": "Erika Mustermann", "anschrift": START["anschrift"]}}


def _complete(client, clerk, case_id: str, bpmn_id: str, data: dict):
    case = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json
    [task] = [t for t in case["open_tasks"] if t["bpmn_id"] == bpmn_id]
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=clerk.headers).status_code == 200
    return client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=clerk.headers)


@pytest.mark.parametrize("model", ["antrag_c8", "antrag_c7"])
def test_camunda_modeler_package_deploys_and_runs_with_its_forms(client, authority, model):
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))
    key = unique_key("camunda")
    files = camunda_package(model, key)
    deployed = client.post("/api/v1/process-definitions", data=zipped(files, folder=key),
                           headers={**modeller.headers, "Content-Type": "application/zip"})
    assert deployed.status_code == 201, deployed.json
    assert sorted(deployed.json["files"]) == sorted(files)

    started = client.post("/api/v1/cases", json={"process_key": key, "subject": "Antrag Mustermann", "data": START},
                          headers=clerk.headers)
    assert started.status_code == 201, started.json
    case_id = started.json["id"]
    refused = _complete(client, clerk, case_id, "pruefen", {**REVIEW, "begruendung": "kurz", "gebuehr": -1})
    assert refused.status_code == 422
    assert set(refused.json["errors"]["fields"]) == {"begruendung", "gebuehr"}
    assert _complete(client, clerk, case_id, "pruefen", REVIEW).status_code == 200
    assert _complete(client, clerk, case_id, "nachfassen", {}).status_code == 422  # the follow-up form requires input
    done = _complete(client, clerk, case_id, "nachfassen", FOLLOW_UP[model])
    assert done.status_code == 200, done.json

    case = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json
    assert case["status"] == "completed"
    assert {key: case["data"][key] for key in REVIEW} == REVIEW
    assert all(case["data"][key] == value for key, value in FOLLOW_UP[model].items())
