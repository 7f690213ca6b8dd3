"""REST API of the administration: users, own account, groups, absences, authorities, file plan, administration log;
role checks and the authority boundary (an administrator of B sees and changes nothing of A)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from eakte.models import AuditEvent
from engine.db import transaction
from engine.legal_time import LEGAL_TIME
from tests.conftest import unique_key
from tests.web.helpers import deploy, model_bytes, start
from tests.web.ui_helpers import login, ui_user

pytestmark = pytest.mark.core


def _log(client, admin) -> list[dict]:
    return client.get("/api/v1/admin-log?per_page=200", headers=admin.headers).json["items"]


def test_admin_creates_searches_edits_and_deactivates_a_user(client, authority):
    admin = authority.user("chefin", roles=("admin",))
    group = client.post("/api/v1/groups", json={"name": "Bauaufsicht"}, headers=admin.headers)
    assert group.status_code == 201 and group.json["candidate_groups"] == ["Bauaufsicht"]
    created = client.post("/api/v1/users", json={
        "username": "bert", "display_name": "Bert Bauer", "email": "bert@example.org", "roles": ["clerk"],
        "groups": ["Bauaufsicht"], "credentials": "temporary"}, headers=admin.headers)
    assert created.status_code == 201, created.json
    user = created.json["user"]
    assert (user["groups"], user["candidate_groups"], user["must_change_password"]) == (["Bauaufsicht"],
                                                                                       ["Bauaufsicht"], True)
    assert len(created.json["credentials"]["temporary_password"]) >= 10
    assert client.post("/api/v1/users", json={"username": "bert", "roles": ["clerk"]},
                       headers=admin.headers).status_code == 409

    found = client.get("/api/v1/users?q=bauer", headers=admin.headers).json
    assert [u["username"] for u in found["items"]] == ["bert"] and found["total"] == 1
    changed = client.patch(f"/api/v1/users/{user['id']}", json={"roles": ["clerk", "supervisor"], "groups": [],
                                                                "email": None}, headers=admin.headers)
    assert changed.status_code == 200 and changed.json["roles"] == ["clerk", "supervisor"]
    assert (changed.json["groups"], changed.json["email"]) == ([], None)
    assert client.patch(f"/api/v1/users/{user['id']}", json={"groups": ["Gibt es nicht"]},
                        headers=admin.headers).status_code == 404

    token = client.post(f"/api/v1/users/{user['id']}/tokens", json={"label": "Skript"}, headers=admin.headers).json
    bert = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=bert).json["username"] == "bert"
    deactivated = client.post(f"/api/v1/users/{user['id']}/deactivate", headers=admin.headers)
    assert deactivated.status_code == 200 and deactivated.json["active"] is False
    assert client.get("/api/v1/me", headers=bert).status_code == 401
    assert client.post(f"/api/v1/users/{user['id']}/deactivate", headers=admin.headers).status_code == 409
    assert client.post(f"/api/v1/users/{user['id']}/reactivate", headers=admin.headers).json["active"] is True
    assert client.get("/api/v1/me", headers=bert).status_code == 200

    log = _log(client, admin)
    kinds = [e["kind"] for e in log]
    for kind in ("group.created", "user.created", "user.updated", "token.issued", "user.deactivated",
                 "user.reactivated"):
        assert kind in kinds
    update = next(e for e in log if e["kind"] == "user.updated")
    assert update["actor"] == "chefin" and update["target"] == "bert"
    assert update["before"]["roles"] == ["clerk"] and update["after"]["roles"] == ["clerk", "supervisor"]


def test_admins_cannot_lock_themselves_out_or_grant_the_operator_role(client, authority):
    admin = authority.user("chefin", roles=("admin",))
    me = client.get("/api/v1/me", headers=admin.headers).json
    assert client.patch(f"/api/v1/users/{me['id']}", json={"roles": ["clerk"]}, headers=admin.headers).status_code == 409
    assert client.post(f"/api/v1/users/{me['id']}/deactivate", headers=admin.headers).status_code == 409
    assert client.post("/api/v1/users", json={"username": "op", "roles": ["operator"]},
                       headers=admin.headers).status_code == 403


def test_password_reset_by_link_and_temporary_password(app, client, authority, session_factory):
    admin = authority.user("chefin", roles=("admin",))
    user_id = ui_user(session_factory, authority, "sabine")
    link = client.post(f"/api/v1/users/{user_id}/password-reset", json={"method": "link"}, headers=admin.headers).json
    assert link["method"] == "link" and link["temporary_password"] is None
    browser = app.test_client()
    path = urlsplit(link["link"]).path
    page = browser.get(path)
    assert page.status_code == 200 and "Passwort festlegen" in page.get_data(as_text=True)
    from tests.web.ui_helpers import csrf_token
    done = browser.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                    "neues_passwort": "ganz-neu-und-lang", "wiederholung": "ganz-neu-und-lang"})
    assert done.status_code == 302
    assert browser.get(path).status_code == 404  # a link works once
    assert login(app.test_client(), authority, "sabine", "ganz-neu-und-lang").status_code == 302

    temporary = client.post(f"/api/v1/users/{user_id}/password-reset", json={"method": "temporary"},
                            headers=admin.headers).json["temporary_password"]
    assert login(app.test_client(), authority, "sabine", "ganz-neu-und-lang").status_code == 200  # the old one is gone
    signed_in = app.test_client()
    assert login(signed_in, authority, "sabine", temporary).status_code == 302
    forced = signed_in.get("/ui/aufgaben")
    assert forced.status_code == 302 and forced.location.endswith("/ui/konto/passwort")


def test_sign_out_everywhere_ends_the_users_ui_sessions(app, client, authority, session_factory):
    admin = authority.user("chefin", roles=("admin",))
    user_id = ui_user(session_factory, authority, "sabine")
    browser = app.test_client()
    login(browser, authority, "sabine")
    assert browser.get("/ui/aufgaben").status_code == 200
    answer = client.post(f"/api/v1/users/{user_id}/sign-out", headers=admin.headers)
    assert answer.status_code == 200 and answer.json["sessions_ended"] == 1
    assert browser.get("/ui/aufgaben").status_code == 302


def test_everybody_manages_their_own_tokens_and_password(client, authority, session_factory):
    clerk = authority.user("anna")
    mine = client.post("/api/v1/me/tokens", json={"label": "Fachverfahren"}, headers=clerk.headers)
    assert mine.status_code == 201 and mine.json["token"].startswith("af_")
    listed = client.get("/api/v1/me/tokens", headers=clerk.headers).json
    assert {t["label"] for t in listed} == {"", "Fachverfahren"} and all("token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/me/tokens/{mine.json['id']}", headers=clerk.headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {mine.json['token']}"}).status_code == 401
    assert client.post("/api/v1/me/password", json={"current_password": "falsch-falsch", "new_password": "x" * 12},
                       headers=clerk.headers).status_code == 422
    for url in ("/api/v1/users", "/api/v1/groups", "/api/v1/admin-log", "/api/v1/authorities",
                "/api/v1/groups/model-groups"):
        assert client.get(url, headers=clerk.headers).status_code == 403, url


def test_groups_members_lanes_and_the_unserved_warning(client, authority):
    admin = authority.user("chefin", roles=("admin", "modeller"))
    clerk = authority.user("anna", groups=("Sachbearbeitung",))
    key = unique_key("lanes")
    assert deploy(client, admin, {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    created = client.post("/api/v1/groups", json={"name": "Bauaufsicht Nord", "candidate_groups": ["Statik"],
                                                  "members": ["anna"]}, headers=admin.headers)
    assert created.status_code == 201 and [m["username"] for m in created.json["members"]] == ["anna"]
    assert client.get("/api/v1/me", headers=clerk.headers).json["candidate_groups"] == ["Sachbearbeitung", "Statik"]
    renamed = client.patch(f"/api/v1/groups/{created.json['id']}", json={"name": "Nord", "members": []},
                           headers=admin.headers)
    assert renamed.status_code == 200 and renamed.json["name"] == "Nord" and renamed.json["members"] == []
    assert client.get("/api/v1/me", headers=clerk.headers).json["candidate_groups"] == ["Sachbearbeitung"]
    assert client.post("/api/v1/groups", json={"name": "Nord"}, headers=admin.headers).status_code == 409
    lanes = {g["name"]: g for g in client.get("/api/v1/groups/model-groups", headers=admin.headers).json}
    assert lanes["Sachbearbeitung"]["served_by"] == ["Sachbearbeitung"] and key in lanes["Sachbearbeitung"]["processes"]
    assert lanes["Amtsleitung"]["unserved"] is True  # the model's second lane: no group sees its tasks


def test_absences_substitutes_and_work_in_substitution(client, authority):
    boss = authority.user("boss", roles=("supervisor",))
    anna = authority.user("anna", groups=("Sachbearbeitung",))
    vera = authority.user("vera", groups=("Andere",))
    modeller = authority.user("mona", roles=("modeller", "clerk"), groups=("Sachbearbeitung",))
    key = unique_key("vertretung")
    assert deploy(client, modeller, {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    case = start(client, anna, key).json
    task_id = case["open_tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{task_id}/claim", json={}, headers=anna.headers).status_code == 200

    today = datetime.now(LEGAL_TIME).date().isoformat()
    absence = client.post("/api/v1/substitutions", json={"substitute": "vera", "starts_on": today},
                          headers=anna.headers)
    assert absence.status_code == 201, absence.json
    assert (absence.json["user"]["username"], absence.json["substitute"]["username"]) == ("anna", "vera")
    assert client.post("/api/v1/substitutions", json={"user": "anna", "starts_on": today}, headers=vera.headers
                       ).status_code == 403  # only supervisors set other people's absences
    mine = client.get("/api/v1/substitutions/tasks", headers=vera.headers).json
    assert [(t["id"], t["on_behalf_of"]) for t in mine] == [(task_id, "anna")]
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=vera.headers).status_code == 403
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": True}, "on_behalf_of": "anna"},
                       headers=vera.headers)
    assert done.status_code == 200, done.json
    history = client.get(f"/api/v1/cases/{case['id']}/history", headers=boss.headers).json
    completed = [e for e in history["items"] if e["kind"] == "task.completed"][-1]
    assert (completed["actor"], completed["data"]["on_behalf_of"]) == ("vera", "anna")

    ended = client.post(f"/api/v1/substitutions/{absence.json['id']}/end", headers=boss.headers)
    assert ended.status_code == 200 and ended.json["ends_at"]
    assert client.get("/api/v1/substitutions/tasks", headers=vera.headers).json == []
    assert client.get("/api/v1/substitutions", headers=vera.headers).json == []  # ended ones are past
    past = client.get("/api/v1/substitutions?include_past=true", headers=boss.headers).json
    assert [a["id"] for a in past] == [absence.json["id"]]
    late = (datetime.now(LEGAL_TIME).date() - timedelta(days=2)).isoformat()
    refused = client.post("/api/v1/substitutions", json={"starts_on": late, "ends_on": late}, headers=anna.headers)
    assert refused.status_code == 422 and "over already" in refused.json["message"]
    for day in ("0001-01-01", "9999-12-31"):  # the day's bounds in legal time would leave the calendar
        edge = client.post("/api/v1/substitutions", json={"starts_on": "2030-01-01", "ends_on": day},
                           headers=anna.headers)
        assert edge.status_code == 422 and "between" in edge.json["message"]


def test_file_plan_units_and_mappings_are_changed_and_logged(client, authority):
    admin = authority.user("chefin", roles=("admin",))
    created = client.post("/api/v1/file-plan/units", json={"code": "34.01", "title": "Geburten", "retention_years": 110,
                                                           "disposal_code": "A"}, headers=admin.headers)
    assert created.status_code == 201 and created.json["confidentiality"] == "intern"
    assert client.post("/api/v1/file-plan/units", json={"code": "34.01", "title": "X", "retention_years": 1,
                                                        "disposal_code": "V"}, headers=admin.headers).status_code == 422
    changed = client.patch("/api/v1/file-plan/units/34.01", json={"retention_years": None, "confidentiality":
                                                                  "vertraulich"}, headers=admin.headers)
    assert changed.status_code == 200 and changed.json["retention_years"] is None
    assert client.patch("/api/v1/file-plan/units/99.99", json={"title": "X"}, headers=admin.headers).status_code == 404
    mapped = client.put("/api/v1/file-plan/processes/geburt", json={"unit_code": "34.01"}, headers=admin.headers)
    assert mapped.status_code == 200 and mapped.json["processes"]["geburt"] == "34.01"
    assert client.put("/api/v1/file-plan/processes/geburt", json={"unit_code": "12.34"},
                      headers=admin.headers).status_code == 404
    log = {(e["kind"], e["target"]): e for e in _log(client, admin)}
    assert log["file_plan.unit_changed", "34.01"]["before"] == {"retention_years": 110, "confidentiality": "intern"}
    assert log["file_plan.unit_changed", "34.01"]["after"] == {"retention_years": "permanent",
                                                               "confidentiality": "vertraulich"}
    assert log["file_plan.process_mapped", "geburt"]["after"] == {"unit": "34.01"}
    loaded = client.put("/api/v1/file-plan", data="units: [{code: '34.02', title: Ehen, retention_years: 80, "
                        "disposal: A}]\n", headers={**admin.headers, "Content-Type": "application/yaml"})
    assert loaded.status_code == 200
    assert ("file_plan.unit_created", "34.02") in {(e["kind"], e["target"]) for e in _log(client, admin)}


def test_the_operator_creates_an_authority_and_its_first_administrator(app, client, authority, session_factory):
    operator = authority.user("betrieb", roles=("operator",))
    admin = authority.user("chefin", roles=("admin",))
    body = {"slug": f"amt-{authority.slug[-8:]}", "name": "Amt Crivitz",
            "administrator": {"username": "erste", "display_name": "Erste Admin"}, "credentials": "temporary"}
    assert client.post("/api/v1/authorities", json=body, headers=admin.headers).status_code == 403
    created = client.post("/api/v1/authorities", json=body, headers=operator.headers)
    assert created.status_code == 201, created.json
    assert created.json["administrator"]["roles"] == ["admin"]
    assert client.post("/api/v1/authorities", json=body, headers=operator.headers).status_code == 409
    slugs = {a["slug"] for a in client.get("/api/v1/authorities", headers=operator.headers).json}
    assert body["slug"] in slugs and authority.slug in slugs
    assert client.get("/api/v1/users", headers=operator.headers).status_code == 403  # no admin of any authority

    browser = app.test_client()
    new = type("A", (), {"slug": body["slug"]})
    assert login(browser, new, "erste", created.json["credentials"]["temporary_password"]).status_code == 302
    assert browser.get("/ui/aufgaben").location.endswith("/ui/konto/passwort")
    with transaction(session_factory) as session:
        streams = set(session.scalars(select(AuditEvent.stream).where(AuditEvent.kind == "authority.created",
                                                                      AuditEvent.actor == "betrieb")))
    assert "platform" in streams and f"authority/{created.json['authority']['id']}" in streams


def test_an_admin_of_another_authority_sees_and_changes_nothing(client, authority, other_authority, session_factory):
    admin = authority.user("chefin", roles=("admin", "supervisor"))
    stranger = other_authority.user("eve", roles=("admin", "supervisor"))
    target = authority.user("anna", groups=("Sachbearbeitung",))
    group = client.get("/api/v1/groups", headers=admin.headers).json[0]
    token = client.post(f"/api/v1/users/{target.id}/tokens", json={}, headers=admin.headers).json
    absence = client.post("/api/v1/substitutions", json={"user": "anna", "starts_on": "2030-01-01"},
                          headers=admin.headers).json
    assert "anna" not in {u["username"] for u in client.get("/api/v1/users", headers=stranger.headers).json["items"]}
    assert group["id"] not in {g["id"] for g in client.get("/api/v1/groups", headers=stranger.headers).json}
    assert client.get("/api/v1/substitutions", headers=stranger.headers).json == []
    assert all(e["target"] != "anna" for e in _log(client, stranger))
    for method, url, body in (
        ("get", f"/api/v1/users/{target.id}", None),
        ("patch", f"/api/v1/users/{target.id}", {"display_name": "Gehackt"}),
        ("post", f"/api/v1/users/{target.id}/deactivate", None),
        ("post", f"/api/v1/users/{target.id}/password-reset", {"method": "temporary"}),
        ("post", f"/api/v1/users/{target.id}/sign-out", None),
        ("get", f"/api/v1/users/{target.id}/tokens", None),
        ("post", f"/api/v1/users/{target.id}/tokens", {}),
        ("delete", f"/api/v1/users/{target.id}/tokens/{token['id']}", None),
        ("get", f"/api/v1/groups/{group['id']}", None),
        ("patch", f"/api/v1/groups/{group['id']}", {"name": "Gehackt"}),
        ("get", f"/api/v1/substitutions/{absence['id']}", None),
        ("post", f"/api/v1/substitutions/{absence['id']}/end", None),
        ("post", "/api/v1/substitutions", {"user": "anna", "starts_on": "2030-01-01"}),
        ("post", "/api/v1/groups", {"name": "X", "members": ["anna"]}),
        ("post", "/api/v1/users", {"username": "yy", "roles": ["clerk"], "groups": [group["name"]]}),
    ):
        answer = getattr(client, method)(url, json=body, headers=stranger.headers)
        assert answer.status_code == 404, (method, url, answer.status_code, answer.json)
    assert client.get(f"/api/v1/users/{target.id}", headers=admin.headers).json["display_name"] == "anna"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 200
