"""A procedure package is deployed as one unit (files or ZIP), versioned together, refused as a whole."""

from __future__ import annotations

import io

import pikepdf

from tests.eakte.test_rendering import flat_text
from tests.processes.packages.helpers import (
    drain, package_files, process_key, upload, with_manifest, zipped,
)


def test_package_files_are_deployed_and_versioned_together(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files()
    first = upload(client, modeller, files)
    assert first.status_code == 201, first.json
    assert first.json["files"] == ["bestaetigung.html", "gewerbe.bpmn", "manifest.json"]
    assert upload(client, modeller, files).status_code == 200  # identical package: the same version

    changed = {**files, "bestaetigung.html": files["bestaetigung.html"].replace(b"ist eingegangen", b"liegt vor")}
    second = upload(client, modeller, changed)
    assert second.status_code == 201 and second.json["version"] == first.json["version"] + 1
    assert second.json["content_hash"] != first.json["content_hash"]


def test_a_zip_of_the_package_folder_deploys_like_its_files(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files()
    answer = client.post("/api/v1/process-definitions", headers=modeller.headers, content_type="multipart/form-data",
                         data={"file": [(io.BytesIO(zipped(files, folder="gewerbe")), "gewerbe.zip")]})
    assert answer.status_code == 201, answer.json
    assert sorted(answer.json["files"]) == sorted(files)
    body = client.post("/api/v1/process-definitions", headers={**modeller.headers, "Content-Type": "application/zip"},
                       data=zipped(files))
    assert body.status_code == 200 and body.json["id"] == answer.json["id"]


def test_an_invalid_package_is_refused_with_every_problem_named(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = with_manifest(package_files(), leika="123", roles=["chef"], colour="blau")
    files["bestaetigung.html"] = b"{% extends 'base.html' %}\n{% block content %}\n{% if %}\n{% endblock %}"
    files["gewerbe.bpmn"] = files["gewerbe.bpmn"].replace(b'sourceRef="pruefen"', b'sourceRef="nirgends"')
    answer = upload(client, modeller, files)
    assert answer.status_code == 422
    problems = answer.json["errors"]
    pointers = {p.get("pointer") for p in problems if p["file"] == "manifest.json"}
    assert {"/", "/leika", "/roles/0"} <= pointers, problems
    [template] = [p for p in problems if p["file"] == "bestaetigung.html"]
    assert template["line"] == 3 and "syntax" in template["message"]
    assert any(p["file"] == "gewerbe.bpmn" and p["element_id"] == "f2" for p in problems), problems


def test_model_and_package_must_fit_together(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files()
    files["gewerbe.bpmn"] = files["gewerbe.bpmn"].replace(b"&quot;bestaetigung.html&quot;", b"&quot;fehlt.html&quot;")
    files = with_manifest(files, process="anderer_prozess")
    problems = upload(client, modeller, files).json["errors"]
    messages = " | ".join(p["message"] for p in problems)
    assert "names process 'anderer_prozess'" in messages
    assert "uses template 'fehlt.html' that the package does not contain" in messages
    assert any(p["element_id"] == "bestaetigen" for p in problems)


def test_the_sample_data_of_the_manifest_must_fill_the_template(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files()
    files["bestaetigung.html"] = files["bestaetigung.html"].replace(b"{{ taetigkeit }}", b"{{ taetigkeit.name.lang }}")
    [found] = upload(client, modeller, files).json["errors"]
    assert found["file"] == "bestaetigung.html" and found["line"] == 5 and "sample data" in found["message"]


def test_a_case_makes_the_document_from_the_package_template(client, app, authority):
    modeller = authority.user("mia", roles=("modeller",))
    clerk = authority.user("anna", groups=("Gewerbeamt",))
    files = package_files()
    assert upload(client, modeller, files).status_code == 201
    started = client.post("/api/v1/cases", headers=clerk.headers, json={
        "process_key": process_key(files), "subject": "Imbiss am Markt",
        "data": {"inhaber": "Erika <Mustermann>", "taetigkeit": "Imbiss", "beginn": "2026-04-01"}})
    assert started.status_code == 201, started.json
    [task] = started.json["open_tasks"]
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=clerk.headers).status_code == 200
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}, headers=clerk.headers)
    assert done.status_code == 200, done.json
    assert drain(app, authority.id) >= 1

    case = client.get(f"/api/v1/cases/{started.json['id']}", headers=clerk.headers).json
    assert case["status"] == "completed"
    result = case["data"]["bestaetigung"]
    assert result["vorlage"] == "bestaetigung.html" and result["titel"] == "Empfangsbestätigung"
    document = client.get(f"/api/v1/documents/{result['dokument_id']}", headers=clerk.headers).json
    assert document["doc_type"] == "Bescheid" and document["direction"] == "outgoing"
    assert document["subject"] == "Empfangsbestätigung: Imbiss am Markt"
    content = client.get(f"/api/v1/documents/{result['dokument_id']}/content", headers=clerk.headers)
    with pikepdf.open(io.BytesIO(content.data)) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "2" and xmp.get("dc:title") == "Empfangsbestätigung"
    text = flat_text(content.data)
    assert "Erika <Mustermann>" in text and "„Imbiss“ ist eingegangen" in text and "01.04.2026" in text
