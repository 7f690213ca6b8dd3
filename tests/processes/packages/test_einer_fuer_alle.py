"""Einer für Alle: authority A exports a package, authority B imports it, configures what it lists, runs a case."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from engine.db import transaction, utcnow
from engine.models import ProcessDefinition
from engine.models_packages import PackageImport
from processes.packages import configure
from tests.processes.packages.helpers import drain, package_files, process_key, upload
from tests.processes.packages.test_dienste_ohne_python import register_system  # noqa: F401 - fixture


def _import(client, actor, data: bytes):
    return client.post("/api/v1/process-definitions/imports", headers=actor.headers, content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(data), "paket.zip")]})


def test_export_from_a_import_into_b_configure_and_run(client, app, authority, other_authority, register_system,
                                                       session_factory):
    url, received = register_system
    modeller_a = authority.user("mia", roles=("modeller",))
    files = package_files("register")
    deployed = upload(client, modeller_a, files)
    assert deployed.status_code == 201
    exported = client.get(f"/api/v1/process-definitions/{deployed.json['id']}/package", headers=modeller_a.headers)
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        key = process_key(files)
        assert sorted(archive.namelist()) == [f"{key}/manifest.json", f"{key}/register.bpmn"]
        manifest = json.loads(archive.read(f"{key}/manifest.json"))
    assert manifest["publisher"] == f"Testbehörde {authority.slug}" and manifest["version"] == "0.3.0"
    assert manifest["connectors"]["gewerberegister.eintragen"]["system"] == "gewerberegister"

    modeller_b = other_authority.user("max", roles=("modeller", "admin"))
    clerk_b = other_authority.user("bea")
    imported = _import(client, modeller_b, exported.data)
    assert imported.status_code == 201, imported.json
    assert imported.json["ready"] is False
    missing = {(r["kind"], r["name"]) for r in imported.json["requirements"] if not r["met"]}
    assert missing == {("group", "Gewerbeamt"), ("connector", "gewerberegister.eintragen"), ("file_plan", key)}
    definition_id = imported.json["definition"]["id"]

    refused = client.post("/api/v1/cases", headers=clerk_b.headers, json={"process_key": key, "data": {}})
    assert refused.status_code == 409
    assert "not set up yet" in refused.json["message"] and "gewerberegister" in refused.json["message"]
    assert {m["kind"] for m in refused.json["errors"]["missing"]} == {"group", "connector", "file_plan"}

    with transaction(session_factory) as session:
        configure.set_group_members(session, other_authority.id, key, "Gewerbeamt", ["bea"], actor="max")
        configure.configure_system(session, other_authority.id, key, "gewerberegister", url, 5, {}, actor="max",
                                   now=utcnow())
        configure.create_suggested_unit(session, other_authority.id, session.get(ProcessDefinition, definition_id),
                                        actor="max", now=utcnow())
    setup = client.get(f"/api/v1/process-definitions/{definition_id}/setup", headers=clerk_b.headers).json
    assert setup["imported"] is True and setup["ready"] is True

    started = client.post("/api/v1/cases", headers=clerk_b.headers,
                          json={"process_key": key, "data": {"bezirk": "Nord", "inhaber": "Bea B."}})
    assert started.status_code == 201, started.json
    assert started.json["business_key"].startswith("32.11-")
    assert drain(app, other_authority.id) == 1
    assert received[0]["path"] == "/bezirke/Nord/eintraege"
    case = client.get(f"/api/v1/cases/{started.json['id']}", headers=clerk_b.headers).json
    assert case["data"]["eintrag"]["nummer"] == "GR-2026-17"
    assert [t["candidate_group"] for t in case["open_tasks"]] == ["Gewerbeamt"]

    # Authority A's own deployment is not held back, and A never sees B's import.
    with transaction(session_factory) as session:
        assert session.scalars(select(PackageImport.authority_id).where(PackageImport.process_key == key)).all() == \
            [other_authority.id]


def test_an_import_needs_a_manifest_and_a_modeller(client, authority):
    modeller, clerk = authority.user("mia", roles=("modeller",)), authority.user("anna")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x.bpmn", package_files("register")["register.bpmn"])
    answer = _import(client, modeller, archive.getvalue())
    assert answer.status_code == 422 and "needs its manifest.json" in answer.json["errors"][0]["message"]
    assert _import(client, clerk, archive.getvalue()).status_code == 403
