"""Supervisors' incident list and retry in the UI (the same service as the REST API's retry)."""

import re
import uuid

from tests.engine import background as bg
from tests.web.helpers import deploy, start
from tests.web.ui_helpers import login, post_form, ui_user


def _failed_case(app, client, authority, session_factory):
    """Start a case whose service call fails until ``state['down']`` is False; run the worker until the incident."""
    state = {"down": True, "name": f"test.flaky_{uuid.uuid4().hex[:8]}"}

    def handler(person_id, times):
        if state["down"]:
            raise ConnectionError("Fachverfahren nicht erreichbar")
        return {"person": person_id}

    ctx = app.extensions["engine_context"]
    ctx.registry.register(state["name"], handler)
    modeller, clerk = authority.user("mod", roles=("modeller",)), authority.user("anna", roles=("clerk",))
    key = f"bg_service_{uuid.uuid4().hex[:8]}"
    content = (bg.FIXTURES / "bg_service.bpmn").read_text(encoding="utf-8")
    content = content.replace('id="bg_service"', f'id="{key}"').replace("test.lookup", state["name"])
    assert deploy(client, modeller, {"bg_service.bpmn": content.encode()}).status_code == 201
    response = start(client, clerk, key, {"person_id": "p-9", "times": 1})
    assert response.status_code == 201, response.json
    worker = bg.worker(session_factory, ctx, authority.id)
    bg.drain(worker)
    return response.json, state, worker


def test_supervisor_sees_open_incidents_and_retries_one(app, client, authority, session_factory):
    case, state, worker = _failed_case(app, client, authority, session_factory)
    ui_user(session_factory, authority, "leitung", roles=("supervisor",))
    login(client, authority, "leitung")
    page = client.get("/ui/aufsicht/stoerungen").get_data(as_text=True)
    assert "Störungen</a>" in page  # in the navigation
    assert case["business_key"] in page and f'/ui/akten/{case["id"]}' in page
    assert "lookup" in page and "Fachverfahren nicht erreichbar" in page
    [retry_url] = re.findall(r'action="(/ui/aufsicht/stoerungen/[^"]+/erneut)"', page)

    state["down"] = False
    response = post_form(client, retry_url, page_url="/ui/aufsicht/stoerungen", follow_redirects=True)
    assert "Der Schritt wird erneut versucht." in response.get_data(as_text=True)
    assert "von leitung" in response.get_data(as_text=True)  # still open until the job succeeds
    again = post_form(client, retry_url, page_url="/ui/aufsicht/stoerungen")
    assert again.status_code == 409 and "bereits behoben oder wird gerade erneut versucht" in again.get_data(as_text=True)

    assert bg.drain(worker) == 1
    assert "Keine offenen Störungen." in client.get("/ui/aufsicht/stoerungen").get_data(as_text=True)
    assert bg.open_task_ids(session_factory, case["id"]) == ["review"]


def test_clerk_and_other_authority_cannot_see_or_retry(app, client, authority, other_authority, session_factory):
    case, _, _ = _failed_case(app, client, authority, session_factory)
    ui_user(session_factory, authority, "sabine", roles=("clerk",))
    login(client, authority, "sabine")
    assert client.get("/ui/aufsicht/stoerungen").status_code == 403
    stranger = app.test_client()
    ui_user(session_factory, other_authority, "fremd", roles=("supervisor",))
    login(stranger, other_authority, "fremd")
    page = stranger.get("/ui/aufsicht/stoerungen").get_data(as_text=True)
    assert "Keine offenen Störungen." in page and case["business_key"] not in page
