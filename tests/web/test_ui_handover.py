"""Handing a task over: clerks within the task's group, supervisors to any clerk (adding them to the group only when
chosen); lists offer only people who work on tasks; the API follows the same rules."""

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import User, UserTask
from tests.web.helpers import snapshot
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user

pytestmark = pytest.mark.core


@pytest.fixture()
def team(app, client, authority, session_factory):
    """Sabine (clerk) has claimed a task of group Sachbearbeitung; colleagues in and outside the group."""
    ids = {
        "sabine": ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge"),
        "tom": ui_user(session_factory, authority, "tom", display_name="Tom Taube"),
        "bea": ui_user(session_factory, authority, "bea", display_name="Bea Bauer", groups=("Bauaufsicht",)),
        "lea": ui_user(session_factory, authority, "lea", roles=("supervisor",), groups=(), display_name="Lea Leitung"),
        "mona": ui_user(session_factory, authority, "mona", roles=("modeller",), display_name="Mona Modell"),
        "adam": ui_user(session_factory, authority, "adam", roles=("admin",), display_name="Adam Admin"),
        "alt": ui_user(session_factory, authority, "alt", display_name="Alt Ausgeschieden"),
    }
    with transaction(session_factory) as session:
        session.get(User, ids["alt"]).active = False
    [case_id] = deploy_and_start(app, session_factory, ids["sabine"], new_key())
    task_id = open_task_ids(session_factory, case_id)[0]
    login(client, authority, "sabine")
    assert post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen").status_code == 302
    return {"ids": ids, "case": case_id, "task": task_id}


def _options(html: str) -> str:
    return html.split('id="kollege"')[1].split("</select>")[0]


def _assignee(session_factory, task_id):
    with transaction(session_factory) as session:
        task = session.get(UserTask, task_id)
        return task.assignee.username if task.assignee else None


def test_a_clerk_is_offered_only_colleagues_of_the_tasks_group(client, team):
    options = _options(client.get(f"/ui/aufgaben/{team['task']}").get_data(as_text=True))
    assert "Tom Taube" in options
    for name in ("Bea Bauer", "Lea Leitung", "Mona Modell", "Adam Admin", "Alt Ausgeschieden", "Sabine Sorge"):
        assert name not in options, name


def test_a_clerk_hands_a_task_to_a_colleague_of_the_same_group(client, team, session_factory):
    url = f"/ui/aufgaben/{team['task']}"
    done = post_form(client, f"{url}/zuweisen", {"kollege": "tom"}, page_url=url, follow_redirects=True)
    assert "Die Aufgabe ist jetzt Tom Taube zugewiesen." in done.get_data(as_text=True)
    assert _assignee(session_factory, team["task"]) == "tom"
    history = client.get(f"/ui/akten/{team['case']}").get_data(as_text=True).split('id="h-historie"')[1]
    assert "Aufgabe zugewiesen: Antrag prüfen" in history and "(an Tom Taube)" in history


def test_a_clerk_cannot_hand_a_task_outside_its_group_or_to_accounts_that_do_no_task_work(client, team,
                                                                                          session_factory):
    url = f"/ui/aufgaben/{team['task']}"
    before = snapshot(session_factory)
    for name in ("bea", "lea", "mona", "adam"):
        refused = post_form(client, f"{url}/zuweisen", {"kollege": name}, page_url=url)
        assert refused.status_code == 403, name
        assert "An diese Person können Sie die Aufgabe nicht übergeben" in refused.get_data(as_text=True)
    gone = post_form(client, f"{url}/zuweisen", {"kollege": "alt"}, page_url=url)
    assert gone.status_code == 404  # deactivated: no such colleague
    assert snapshot(session_factory) == before


def test_a_supervisor_adds_a_colleague_to_the_group_only_when_chosen(app, authority, team, session_factory):
    boss = app.test_client()
    login(boss, authority, "lea")
    url = f"/ui/aufgaben/{team['task']}"
    page = boss.get(url).get_data(as_text=True)
    options = _options(page)
    members, others = options.split("Nicht in der Gruppe Sachbearbeitung")
    assert "Tom Taube" in members and "Sabine Sorge" not in members  # she holds it already
    assert "Bea Bauer (Bauaufsicht)" in others
    for name in ("Mona Modell", "Adam Admin", "Alt Ausgeschieden", "Lea Leitung"):
        assert name not in options, name
    assert "Zur Gruppe Sachbearbeitung hinzufügen" in page

    before = snapshot(session_factory)
    unchosen = post_form(boss, f"{url}/zuweisen", {"kollege": "bea"}, page_url=url)
    html = unchosen.get_data(as_text=True)
    assert unchosen.status_code == 422 and "gehört nicht zur Gruppe Sachbearbeitung" in html
    assert '<option value="bea" selected>' in html  # the choice comes back
    assert snapshot(session_factory) == before
    modeller = post_form(boss, f"{url}/zuweisen", {"kollege": "mona", "zur_gruppe": "ja"}, page_url=url)
    assert modeller.status_code == 403

    done = post_form(boss, f"{url}/zuweisen", {"kollege": "bea", "zur_gruppe": "ja"}, page_url=url,
                     follow_redirects=True)
    assert "Bea Bauer zugewiesen und zur Gruppe Sachbearbeitung hinzugefügt" in done.get_data(as_text=True)
    assert _assignee(session_factory, team["task"]) == "bea"
    with transaction(session_factory) as session:
        assert session.get(User, team["ids"]["bea"]).groups == ["Bauaufsicht", "Sachbearbeitung"]
    history = boss.get(f"/ui/akten/{team['case']}").get_data(as_text=True).split('id="h-historie"')[1]
    assert "Zur Gruppe hinzugefügt: Antrag prüfen" in history and "(bea zur Gruppe Sachbearbeitung)" in history


def test_api_hand_over_follows_the_same_rules(client, authority, team, session_factory):
    api = {name: authority.user(f"api-{name}", roles=roles, groups=groups) for name, roles, groups in (
        ("clerk", ("clerk",), ("Sachbearbeitung",)), ("boss", ("supervisor",), ()))}
    task = team["task"]
    with transaction(session_factory) as session:
        session.get(UserTask, task).assignee_id = None  # open in the group again
    in_group = client.post(f"/api/v1/tasks/{task}/claim", json={"assignee": "tom"}, headers=api["clerk"].headers)
    assert in_group.status_code == 200 and in_group.json["assignee"] == "tom"
    outside = client.post(f"/api/v1/tasks/{task}/claim", json={"assignee": "bea"}, headers=api["clerk"].headers)
    assert outside.status_code == 403
    not_chosen = client.post(f"/api/v1/tasks/{task}/claim", json={"assignee": "bea"}, headers=api["boss"].headers)
    assert not_chosen.status_code == 422 and "choose to add them" in not_chosen.json["message"]
    modeller = client.post(f"/api/v1/tasks/{task}/claim", json={"assignee": "mona", "add_to_group": True},
                           headers=api["boss"].headers)
    assert modeller.status_code == 403 and "does not work on tasks" in modeller.json["message"]
    added = client.post(f"/api/v1/tasks/{task}/claim", json={"assignee": "bea", "add_to_group": True},
                        headers=api["boss"].headers)
    assert added.status_code == 200 and added.json["assignee"] == "bea"
    with transaction(session_factory) as session:
        groups = session.scalar(select(User.groups).where(User.id == team["ids"]["bea"]))
    assert "Sachbearbeitung" in groups
