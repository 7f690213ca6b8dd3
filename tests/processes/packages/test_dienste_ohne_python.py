"""Service tasks without Python: an operation declared in the package, the system's address per authority."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from engine.connectors.config import ConnectorConfig, ConnectorConfigError
from engine.connectors.systems import OperationDeclaration, map_output, save_system
from engine.db import transaction, utcnow
from engine.errors import InvalidData
from engine.models_jobs import Incident
from tests.processes.packages.helpers import drain, package_files, process_key, upload


@pytest.fixture()
def register_system():
    """A specialist system on 127.0.0.1 that records its requests and answers with an entry."""
    received = []

    @Request.application
    def application(request):
        received.append({"path": request.environ["RAW_URI"], "body": request.get_json(), "key": request.headers.get("X-Api-Key"),
                         "idempotency": request.headers.get("Idempotency-Key")})
        answer = {"eintrag": {"id": "GR-2026-17"}, "taetigkeiten": ["Imbiss"], "intern": "nicht übernehmen"}
        return Response(json.dumps(answer), content_type="application/json")

    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    thread.join(timeout=5)


def _start(client, actor, key):
    answer = client.post("/api/v1/cases", headers=actor.headers, json={
        "process_key": key, "data": {"bezirk": "Mitte 1", "inhaber": "Erika Mustermann"}})
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def test_a_declared_operation_reaches_the_system_the_authority_configured(client, app, authority, register_system,
                                                                          session_factory, monkeypatch):
    url, received = register_system
    monkeypatch.setenv("REGISTER_KEY", "geheim")
    modeller, clerk = authority.user("mia", roles=("modeller",)), authority.user("anna", groups=("Gewerbeamt",))
    files = package_files("register")
    assert upload(client, modeller, files).status_code == 201
    with transaction(session_factory) as session:
        save_system(session, authority.id, "gewerberegister", url, 5, {"X-Api-Key": "${REGISTER_KEY}"},
                    actor="admin", now=utcnow())
    case_id = _start(client, clerk, process_key(files))
    assert drain(app, authority.id) == 1

    [request] = received
    assert request["path"] == "/bezirke/Mitte%201/eintraege" and request["body"] == {"name": "Erika Mustermann"}
    assert request["key"] == "geheim" and request["idempotency"]
    case = client.get(f"/api/v1/cases/{case_id}", headers=clerk.headers).json
    assert case["data"]["eintrag"] == {"nummer": "GR-2026-17", "erste_taetigkeit": "Imbiss"}
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["pruefen"]


def test_without_the_system_the_step_fails_with_an_incident_naming_it(client, app, authority, session_factory):
    modeller, clerk = authority.user("mia", roles=("modeller",)), authority.user("anna", groups=("Gewerbeamt",))
    files = package_files("register")
    assert upload(client, modeller, files).status_code == 201
    case_id = _start(client, clerk, process_key(files))
    drain(app, authority.id)
    with transaction(session_factory) as session:
        [incident] = session.scalars(select(Incident).where(Incident.case_id == case_id)).all()
        assert "system 'gewerberegister', which is not configured" in incident.error


def test_a_package_must_declare_what_its_service_tasks_pass(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files("register")
    files["register.bpmn"] = files["register.bpmn"].replace(b'id="name" type="str"', b'id="vorname" type="str"')
    problems = upload(client, modeller, files).json["errors"]
    messages = sorted(p["message"] for p in problems)
    assert messages == [
        "service task 'eintragen' does not pass 'name' that operation 'gewerberegister.eintragen' needs",
        "service task 'eintragen' passes 'vorname' that operation 'gewerberegister.eintragen' does not declare",
    ]
    assert {p["element_id"] for p in problems} == {"eintragen"}


def test_an_undeclared_unknown_operation_is_still_refused(client, authority):
    modeller = authority.user("mia", roles=("modeller",))
    files = package_files("register")
    manifest = json.loads(files["manifest.json"])
    del manifest["connectors"]
    files["manifest.json"] = json.dumps(manifest).encode()
    [problem] = upload(client, modeller, files).json["errors"]
    assert problem["message"] == "service task 'eintragen' uses unknown operation 'gewerberegister.eintragen'"


def test_connector_settings_keep_credentials_out_of_the_database(session_factory, authority):
    with transaction(session_factory) as session, pytest.raises(InvalidData) as caught:
        save_system(session, authority.id, "Gewerbe Register", "ftp://x", 0, {"Authorization": "Bearer abc"},
                    actor="admin", now=utcnow())
    assert set(caught.value.details["fields"]) == {"system", "url", "timeout", "headers"}
    assert "${VARIABLE}" in caught.value.details["fields"]["headers"][0]


def test_the_connectors_file_names_systems_by_default_and_per_authority():
    config = ConnectorConfig.from_dict({
        "default": {"systems": {"alkis": {"url": "https://alkis.example/", "timeout": 3}}},
        "authorities": {"schwerin": {"systems": {"alkis": {"url": "http://127.0.0.1:9"}}}},
    })
    assert config.system("schwerin", "alkis").url == "http://127.0.0.1:9"
    assert config.system("ludwigslust", "alkis").url == "https://alkis.example"
    assert config.system("ludwigslust", "alkis", own_only=True) is None
    assert config.operations() == set()
    with pytest.raises(ConnectorConfigError, match="unknown keys"):
        ConnectorConfig.from_dict({"default": {"systems": {"x": {"url": "http://x", "path": "/"}}}})


def test_the_output_mapping_picks_values_by_json_pointer():
    declaration = OperationDeclaration("a.b", "a", output={"id": "/x/0/id", "slash": "/a~1b", "all": ""})
    assert map_output(declaration, {"x": [{"id": 7}], "a/b": 1}) == {"id": 7, "slash": 1,
                                                                       "all": {"x": [{"id": 7}], "a/b": 1}}
    with pytest.raises(Exception, match="no value at '/x/0/id'"):
        map_output(declaration, {"x": []})
