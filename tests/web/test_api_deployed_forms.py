"""Camunda Forms deployed with a model (C8 formId, embedded userTaskForm, C7 formRef/formKey): deploy, versions,
validation of completions, and refusals naming file, element and JSON pointer."""

from __future__ import annotations

import json

import pytest

from tests.conftest import unique_key
from tests.engine.forms.helpers import form_definition, form_files, model_files
from tests.web.helpers import deploy, start

pytestmark = pytest.mark.core

REVIEW = {"nachweise": ["lageplan"], "entscheidung": "genehmigt", "gebuehr": 120.5,
          "auflagen": [{"text": "Stellplatz nachweisen", "erfuellt": False}]}


@pytest.fixture()
def people(authority):
    return {"modeller": authority.user("mod", roles=("modeller",)),
            "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))}


def _task(client, clerk, case_id: str, bpmn_id: str) -> str:
    case = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json
    [task] = [t for t in case["open_tasks"] if t["bpmn_id"] == bpmn_id]
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=clerk.headers).status_code == 200
    return task["id"]


def _complete(client, clerk, task_id: str, data: dict):
    return client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=clerk.headers)


@pytest.mark.parametrize("model", ["antrag_c8", "antrag_c7"])
def test_linked_forms_are_deployed_and_check_every_completion(client, people, model):
    key = unique_key("formjs")
    deployed = deploy(client, people["modeller"], model_files(model, key))
    assert deployed.status_code == 201, deployed.json
    clerk = people["clerk"]
    case_id = start(client, clerk, key, {"antragsteller": "Erika Mustermann"}).json["id"]
    task_id = _task(client, clerk, case_id, "pruefen")
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=clerk.headers).json
    assert detail["form_schema"]["properties"]["gebuehr"] == {"type": "number", "minimum": 0}

    refused = _complete(client, clerk, task_id, {**REVIEW, "entscheidung": "abgelehnt", "nachweise": ["foto"],
                                                 "auflagen": [{"erfuellt": True}]})
    assert refused.status_code == 422
    fields = refused.json["errors"]["fields"]
    assert {"begruendung", "nachweise.0", "auflagen.0.text"} <= set(fields), fields

    # The reason applies only to a refusal: for an approval it is neither required nor kept.
    done = _complete(client, clerk, task_id, {**REVIEW, "begruendung": "wird verworfen"})
    assert done.status_code == 200, done.json
    data = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json["data"]
    assert "begruendung" not in data and data["gebuehr"] == 120.5 and data["auflagen"][0]["text"] == "Stellplatz nachweisen"

    follow_up = _task(client, clerk, case_id, "nachfassen")
    form_of_follow_up = client.get(f"/api/v1/tasks/{follow_up}", headers=clerk.headers).json["form_schema"]
    expected = "rueckfrage" if model == "antrag_c8" else "antragsteller"  # embedded form / form file by name
    assert expected in form_of_follow_up["required"]


def test_running_cases_keep_the_forms_of_their_version(client, people):
    key = unique_key("formjs")
    assert deploy(client, people["modeller"], model_files("antrag_c8", key)).status_code == 201
    clerk = people["clerk"]
    old_case = start(client, clerk, key, {}).json["id"]
    changed = form_definition("antrag-pruefung.form")
    changed["components"] = [c for c in changed["components"] if c.get("key") != "nachweise"]
    files = {**model_files("antrag_c8", key), "antrag-pruefung.form": json.dumps(changed).encode()}
    second = deploy(client, people["modeller"], files)
    assert second.status_code == 201 and second.json["version"] == 2
    new_case = start(client, clerk, key, {}).json["id"]
    without_proofs = {k: v for k, v in REVIEW.items() if k != "nachweise"}
    old = _complete(client, clerk, _task(client, clerk, old_case, "pruefen"), without_proofs)
    assert old.status_code == 422 and "nachweise" in old.json["errors"]["fields"]
    assert _complete(client, clerk, _task(client, clerk, new_case, "pruefen"), without_proofs).status_code == 200


def _problems(client, people, files) -> list[dict]:
    response = deploy(client, people["modeller"], files)
    assert response.status_code == 422, response.json
    return response.json["errors"]


def test_unknown_form_references_are_refused(client, people):
    files = model_files("antrag_c8", unique_key("formjs"))
    files.pop("antrag-pruefung.form")
    [problem] = _problems(client, people, files)
    assert problem["element_id"] == "pruefen" and problem["file"].endswith(".bpmn") and problem["line"]
    assert "'antrag-pruefung' was not deployed" in problem["message"]

    c7 = model_files("antrag_c7", unique_key("formjs"))
    c7[next(n for n in c7 if n.endswith(".bpmn"))] = c7[next(n for n in c7 if n.endswith(".bpmn"))].replace(
        b"camunda-forms:deployment:antrag-start.form", b"camunda-forms:deployment:fehlt.form")
    [problem] = _problems(client, people, c7)
    assert problem["element_id"] == "nachfassen" and "fehlt.form" in problem["message"]


def test_invalid_json_unsupported_components_and_feel_are_refused_by_name(client, people):
    form = form_definition("antrag-pruefung.form")
    form["components"].append({"type": "filepicker", "id": "Field_0upload", "key": "upload", "label": "Datei"})
    form["components"][4]["conditional"]["hide"] = "=count(nachweise) > 2"
    form["components"][5]["validate"]["min"] = "=mindestgebuehr"
    files = {**model_files("antrag_c8", unique_key("formjs")), "antrag-pruefung.form": json.dumps(form).encode(),
             "antrag-start.form": b'{"components": [,]}'}
    problems = _problems(client, people, files)
    by_pointer = {(p["file"], p.get("pointer")): p["message"] for p in problems}
    assert "component 'filepicker' (key 'upload') is not supported" in by_pointer[
        ("antrag-pruefung.form", "/components/12/type")]
    assert "count(nachweise) > 2" in by_pointer[("antrag-pruefung.form", "/components/4/conditional/hide")]
    assert "validate.min" in by_pointer[("antrag-pruefung.form", "/components/5/validate/min")] or \
        "expression" in by_pointer[("antrag-pruefung.form", "/components/5/validate/min")]
    [json_problem] = [p for p in problems if p["file"] == "antrag-start.form"]
    assert "not valid JSON" in json_problem["message"] and json_problem["line"] == 1
    assert any(p["element_id"] == "StartEvent_1" for p in problems)  # its form could not be read: unknown id


def test_form_files_count_in_the_version(client, people):
    key = unique_key("formjs")
    files = model_files("antrag_c8", key)
    assert deploy(client, people["modeller"], files).status_code == 201
    assert deploy(client, people["modeller"], files).status_code == 200  # identical: the same version
    form = form_definition("antrag-start.form")
    form["components"][0]["label"] = "Name"
    changed = deploy(client, people["modeller"], {**files, "antrag-start.form": json.dumps(form).encode()})
    assert changed.status_code == 201 and changed.json["version"] == 2
