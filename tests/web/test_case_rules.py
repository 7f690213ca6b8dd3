"""Rules in the engine and the E-Akte, through the REST API and the UI alike: a file with a running or suspended case
cannot be closed, a suspended case's tasks cannot be claimed or completed, only those who may close a file do."""

import pytest

from engine.db import transaction
from engine.models import User, UserTask
from processes import casefile
from tests.conftest import unique_key
from tests.web.helpers import deploy, model_bytes, snapshot, start
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",)),
        "stranger": authority.user("carl", roles=("clerk",), groups=("Sachbearbeitung",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor",)),
    }


@pytest.fixture()
def case(client, people):
    key = unique_key("antrag")
    assert deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    response = start(client, people["clerk"], key, {"applicant": "Erika Müller"}, subject="Carport Müller")
    assert response.status_code == 201, response.json
    return response.json


def _file_id(client, actor, case):
    return client.get(f"/api/v1/cases/{case['id']}/file", headers=actor.headers).json["id"]


def _operate(client, people, case, action, reason="Rückfrage"):
    response = client.post(f"/api/v1/cases/{case['id']}/{action}", json={"reason": reason},
                           headers=people["supervisor"].headers)
    assert response.status_code == 200, response.json


def test_api_refuses_to_close_a_file_while_its_case_runs_or_is_suspended(client, people, case, session_factory):
    file_id = _file_id(client, people["clerk"], case)
    running = client.post(f"/api/v1/files/{file_id}/close", headers=people["supervisor"].headers)
    assert running.status_code == 409 and "1 running case(s)" in running.json["message"]
    assert running.json["errors"] == {"running": 1, "suspended": 0}

    _operate(client, people, case, "suspend")
    before = snapshot(session_factory)
    suspended = client.post(f"/api/v1/files/{file_id}/close", headers=people["supervisor"].headers)
    assert suspended.status_code == 409 and "1 suspended case(s)" in suspended.json["message"]
    assert snapshot(session_factory) == before

    _operate(client, people, case, "cancel", "Antrag zurückgenommen")
    refused = client.post(f"/api/v1/files/{file_id}/close", headers=people["stranger"].headers)
    assert refused.status_code == 403 and "worked on a case" in refused.json["message"]
    closed = client.post(f"/api/v1/files/{file_id}/close", headers=people["supervisor"].headers)
    assert closed.status_code == 200 and closed.json["status"] == "closed"


def test_a_clerk_who_worked_on_the_finished_case_may_close_its_file(client, people, case):
    task = case["open_tasks"][0]
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=people["clerk"].headers).status_code == 200
    _operate(client, people, case, "cancel", "zurückgezogen")
    file_id = _file_id(client, people["clerk"], case)
    assert client.post(f"/api/v1/files/{file_id}/close", headers=people["stranger"].headers).status_code == 403
    assert client.post(f"/api/v1/files/{file_id}/close", headers=people["clerk"].headers).status_code == 200


def test_api_refuses_to_claim_or_complete_a_task_of_a_suspended_case(client, people, case, session_factory):
    task = case["open_tasks"][0]
    headers = people["clerk"].headers
    _operate(client, people, case, "suspend")
    before = snapshot(session_factory)
    claim = client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=headers)
    assert claim.status_code == 409 and claim.json["message"] == "case is suspended; its tasks cannot be claimed"
    assert claim.json["errors"] == {"case_status": "suspended"}
    handed = client.post(f"/api/v1/tasks/{task['id']}/claim", json={"assignee": "carl"},
                         headers=people["supervisor"].headers)
    assert handed.status_code == 409
    complete = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=headers)
    assert complete.status_code == 409 and "suspended" in complete.json["message"]
    assert snapshot(session_factory) == before

    _operate(client, people, case, "resume", "geklärt")
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=headers).status_code == 200


def _suspended_case_in_ui(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"), display_name="Lea Leitung")
    [case_id, other_id] = deploy_and_start(app, session_factory, clerk, new_key(), count=2)
    task_id = open_task_ids(session_factory, case_id)[0]
    login(client, authority, "sabine")
    assert post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen").status_code == 302
    supervisor = app.test_client()
    login(supervisor, authority, "leitung")
    page_url = f"/ui/akten/{case_id}"
    assert post_form(supervisor, f"{page_url}/anhalten", {"begruendung": "Rückfrage beim Bauamt"},
                     page_url=page_url).status_code == 302
    return case_id, other_id, task_id, supervisor, boss


def test_ui_marks_a_suspended_case_and_refuses_claim_completion_and_closing(app, client, authority, session_factory):
    case_id, other_id, task_id, supervisor, boss = _suspended_case_in_ui(app, client, authority, session_factory)
    other_task = open_task_ids(session_factory, other_id)[0]

    inbox = client.get("/ui/aufgaben").get_data(as_text=True)
    row = inbox.split(f'href="/ui/aufgaben/{task_id}"')[1].split("</tr>")[0]
    assert "angehalten" in row and "erst nach Fortsetzung" in row
    other_row = inbox.split(f'href="/ui/aufgaben/{other_task}"')[1].split("</tr>")[0]
    assert "angehalten" not in other_row and "Übernehmen" in other_row

    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "Angehalten:" in page and "<dd>angehalten</dd>" in page
    assert "Erledigen" not in page and ">Übernehmen<" not in page

    before = snapshot(session_factory)
    completed = post_form(client, f"/ui/aufgaben/{task_id}/erledigen", {"bemerkung": "fertig"},
                          page_url=f"/ui/aufgaben/{task_id}")
    assert completed.status_code == 409 and "angehalten" in completed.get_data(as_text=True)
    with transaction(session_factory) as session:  # another clerk tries the open group task of the same case
        session.get(UserTask, task_id).assignee_id = None
    before = snapshot(session_factory)
    claimed = post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    assert claimed.status_code == 409
    assert "Der Vorgang ist angehalten" in claimed.get_data(as_text=True)
    assert snapshot(session_factory) == before

    close_page = supervisor.get(f"/ui/akten/{case_id}/zda")
    assert close_page.status_code == 409 and "1 Vorgang ist angehalten" in close_page.get_data(as_text=True)
    refused = post_form(supervisor, f"/ui/akten/{case_id}/zda", {"bestaetigt": "ja"}, page_url=f"/ui/akten/{case_id}")
    assert refused.status_code == 409 and "1 Vorgang ist angehalten" in refused.get_data(as_text=True)
    with transaction(session_factory) as session:
        assert casefile.file_of_case(session, session.get(User, boss), case_id).status == "open"


def test_ui_cancel_is_offered_as_a_link_to_its_own_page_not_as_a_button(app, client, authority, session_factory):
    case_id, _, _, supervisor, _ = _suspended_case_in_ui(app, client, authority, session_factory)
    page = supervisor.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    controls = page.split('id="h-steuern"')[1].split("</section>")[0]
    assert f'href="/ui/akten/{case_id}/abbrechen"' in controls and "abbrechen</span></button>" not in controls
    assert "Vorgang fortsetzen" in controls
    confirm = supervisor.get(f"/ui/akten/{case_id}/abbrechen").get_data(as_text=True)
    assert 'name="abbruchgrund"' in confirm and 'name="begruendung"' not in confirm
