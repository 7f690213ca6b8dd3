"""Helpers for UI tests: users with passwords, login through the form, CSRF tokens, a deployed model."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from engine.db import transaction

UI_MODELS = Path(__file__).parent / "ui_models"
PASSWORD = "richtig-geheim-42"
FORM_SCHEMA = {
    "type": "object",
    "properties": {
        "vollstaendig": {"type": "boolean", "title": "Unterlagen vollständig"},
        "gebuehr": {"type": "integer", "title": "Gebühr in Euro", "minimum": 0},
        "entscheidung": {"type": "string", "title": "Entscheidung", "enum": ["genehmigt", "abgelehnt"]},
    },
    "required": ["gebuehr", "entscheidung"],
}


def ui_model(process_key: str) -> bytes:
    """Return the UI test model (with a diagram) under a fresh process id."""
    return (UI_MODELS / "ui_antrag.bpmn").read_bytes().replace(b'id="ui_antrag"', f'id="{process_key}"'.encode()).replace(
        b'bpmnElement="ui_antrag"', f'bpmnElement="{process_key}"'.encode())


def ui_user(session_factory, authority, username: str, roles=("clerk",), groups=("Sachbearbeitung",),
            display_name: str | None = None):
    """Create a user with the test password; return its id."""
    from engine.identity import create_user, get_authority

    with transaction(session_factory) as session:
        return create_user(session, get_authority(session, authority.slug), username, roles=list(roles),
                           groups=list(groups), display_name=display_name, password=PASSWORD).id


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, authority, username: str, password: str = PASSWORD):
    """Log in through the form; return the response (not followed)."""
    page = client.get("/ui/anmelden")
    return client.post("/ui/anmelden", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "behoerde": authority.slug,
        "benutzername": username, "passwort": password,
    })


def post_form(client, url: str, data: dict | None = None, page_url: str | None = None, **kwargs):
    """POST a form with a valid CSRF token taken from ``page_url`` (default: the inbox)."""
    page = client.get(page_url or "/ui/aufgaben")
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **(data or {})}, **kwargs)


def new_key() -> str:
    """Return a fresh process key."""
    return f"ui_{uuid.uuid4().hex[:10]}"


def with_task_form(model: bytes, form: bytes) -> dict[str, bytes]:
    """Return the UI test model with its task "pruefen" linked to a form-js form (``zeebe:formDefinition``)."""
    import json

    form_id = json.loads(form)["id"]
    task = '<bpmn:userTask id="pruefen" name="Antrag prüfen">\n      <bpmn:extensionElements>'.encode()
    assert task in model
    linked = model.replace(task, task + f'\n        <zeebe:formDefinition formId="{form_id}"/>'.encode()).replace(
        b'id="defs_ui_antrag"', b'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_ui_antrag"')
    return {"model.bpmn": linked, f"{form_id}.form": form}


def deploy_and_start(app, session_factory, user_id: str, process_key: str, count: int = 1, prefix: str = "AZ",
                     channel: str = "api", task_form: bytes | None = None) -> list[str]:
    """Deploy the UI test model as ``user_id`` and start ``count`` cases; return their ids.

    With ``task_form`` (a form-js form), the task "pruefen" is linked to it.
    """
    from engine.models import User
    from processes import casework

    ctx = app.extensions["engine_context"]
    model = ui_model(process_key)
    files = with_task_form(model, task_form) if task_form else {f"{process_key}.bpmn": model}
    with transaction(session_factory) as session:
        user = session.get(User, user_id)
        casework.deploy(session, ctx, files, user)
        ids = []
        for number in range(count):
            case = casework.start_case(session, ctx, user, process_key, {"antragsteller": "Erika Mustermann"},
                                       subject=f"Vorhaben {prefix}-{number + 1:04d}")
            case.channel = channel
            ids.append(case.id)
        return ids


def open_task_ids(session_factory, case_id: str) -> list[str]:
    """Return the ids of the open tasks of a case."""
    from sqlalchemy import select

    from engine.models import UserTask

    with transaction(session_factory) as session:
        return list(session.scalars(select(UserTask.id).where(UserTask.case_id == case_id, UserTask.status == "open")))
