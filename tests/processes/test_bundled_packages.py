"""The bundled procedures are packages: every file is data (model, forms, templates, manifest), nothing is Python.

Each folder under bpmn/ deploys as a package with the operations the installation provides; every start event and
user task has a form-js form linked the way Camunda Modeler links it; every document the model makes comes from a
template of the package, checked with the manifest's sample data at deployment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.loader import ModelValidationError
from processes.packages.checks import DOCUMENT_OPERATION, service_tasks
from processes.packages.deploy import parse_package

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
PROCEDURES = sorted(path.name for path in BPMN.iterdir() if path.is_dir())
GENERIC = {"eakte.dokument", "eakte.zustellen", "eakte.zda", "frist.berechnen", "termin.berechnen",
           "gebuehr.festsetzen"}
"""Operations any package may call; the rest are per procedure: register entries (code) and specialist systems."""
PER_PROCEDURE = {"baugenehmigung": {"alkis.flurstueck", "bauleitplanung.bebauungsplan"},
                 "geburt": {"geburt.beurkunden", "melderegister.lookup", "melderegister.mitteilung", "statistik.report"},
                 "eheschliessung": {"eheschliessung.beurkunden", "melderegister.mitteilung", "statistik.report"},
                 "antrag": set()}


def _files(procedure: str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((BPMN / procedure).iterdir())}


def test_the_four_bundled_procedures_are_packages():
    assert PROCEDURES == ["antrag", "baugenehmigung", "eheschliessung", "geburt"]
    assert not list(Path(__file__).resolve().parents[2].joinpath("processes").rglob("forms.py"))


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_package_deploys_with_a_form_for_every_human_step_and_templates_for_its_documents(procedure, app):
    registered = app.extensions["engine_context"].registry.names()
    files = _files(procedure)
    package = parse_package(files, registered)
    manifest = json.loads(files["manifest.json"])
    assert package.manifest.process == procedure == package.model.process_id
    human = [event.bpmn_id for event in package.model.start_events] + [t.bpmn_id for t in package.model.user_tasks]
    assert sorted(package.model.forms) == sorted(set(human)), "every start event and user task has its form"
    assert all(form.source == "form-js" for form in package.model.forms.values())
    assert {f"{form.form_id}.form" for form in package.model.forms.values()} == {
        name for name in files if name.endswith(".form")}, "each form file is linked, named after its id"
    operations = {task.operation_name for task in service_tasks(package.model)}
    assert operations <= GENERIC | PER_PROCEDURE[procedure]
    documents = [task for task in service_tasks(package.model) if task.operation_name == DOCUMENT_OPERATION]
    used = {json.loads(task.operation_params["vorlage"]["value"]) for task in documents}
    assert used == set(manifest.get("templates", {})), "every template the model uses is described with sample data"


def test_a_package_without_its_forms_is_refused_naming_the_missing_form(app):
    registered = app.extensions["engine_context"].registry.names()
    files = {name: data for name, data in _files("geburt").items() if name != "namen_bestimmen.form"}
    with pytest.raises(ModelValidationError) as info:
        parse_package(files, registered)
    assert any(p.element_id == "namen_bestimmen" and "namen_bestimmen" in p.message for p in info.value.problems)


def test_a_bundled_package_is_exported_with_all_its_files_and_imported_by_another_authority(
        client, authority, other_authority):
    import io
    import zipfile

    from tests.processes.packages.helpers import upload

    files = _files("geburt")
    modeller_a = authority.user("mia", roles=("modeller",))
    deployed = upload(client, modeller_a, files)
    assert deployed.status_code in (200, 201), deployed.json
    exported = client.get(f"/api/v1/process-definitions/{deployed.json['id']}/package", headers=modeller_a.headers)
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert sorted(archive.namelist()) == sorted(f"geburt/{name}" for name in files)
        manifest = json.loads(archive.read("geburt/manifest.json"))
    assert manifest["leika"] == "99036004001000" and manifest["publisher"] == f"Testbehörde {authority.slug}"

    modeller_b = other_authority.user("max", roles=("modeller", "admin"))
    imported = client.post("/api/v1/process-definitions/imports", headers=modeller_b.headers,
                           content_type="multipart/form-data", data={"file": [(io.BytesIO(exported.data), "geburt.zip")]})
    assert imported.status_code == 201, imported.json
    needed = {(r["kind"], r["name"]) for r in imported.json["requirements"]}
    assert {("group", "Standesamt"), ("role", "clerk"), ("connector", "melderegister.lookup"),
            ("connector", "statistik.report"), ("file_plan", "geburt")} <= needed
