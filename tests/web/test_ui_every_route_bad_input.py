"""Every page of the clerk UI answers odd input without a server error.

Each route under ``/ui`` is called as a person with every role (so the role
checks let the request through to the code behind them), its path filled with
ids of real objects and with ids of none; GET with odd query values, POST with
a valid CSRF token and every form field the UI reads set to an odd value
(empty, too long, control characters, a wrong type, an impossible date). The
answer may refuse (4xx) or redirect, never fail (5xx). Routes that end the
tester's own session are left out; the requests come from an address of their
own, so the failed sign-ins they make do not throttle other tests' sign-ins.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from eakte.models.akte import Akte
from engine.db import transaction
from engine.models import Case, Group
from tests.web.ui_helpers import csrf_token, deploy_and_start, login, new_key, open_task_ids, ui_user

ROLES = ("admin", "modeller", "clerk", "supervisor", "operator")
ODD_ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}  # TEST-NET-2: counted apart from the other tests' 127.0.0.1
SKIPPED_ENDPOINTS = {"ui_auth.logout", "ui_account.sign_out_everywhere", "static"}
ODD_VALUES = ("", "x" * 5000, "\x00\x1f<script>", "-1", "1e309", "2026-13-45", "ünïcødé ✓", "[]", "{")
FIELD_NAMES_READ = re.compile(r"""(?:form|args)\.(?:get|getlist)\(\s*f?["']([a-z_]+)""")
FILE_FIELDS = ("datei", "dateien", "anlagen", "file", "paket", "attachment", "message")


def _field_names() -> list[str]:
    """The names of the form fields and query parameters the UI reads (from its source)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "web"
    names = set()
    for source in [*root.glob("ui/**/*.py"), *root.glob("portal/**/*.py")]:
        names.update(FIELD_NAMES_READ.findall(source.read_text(encoding="utf-8")))
    return sorted(names)


@pytest.fixture()
def world(app, client, authority, session_factory):
    """A user with every role, signed in; a deployed procedure with a case, its task and its file."""
    user_id = ui_user(session_factory, authority, "alles", roles=ROLES, groups=("Sachbearbeitung",))
    other_id = ui_user(session_factory, authority, "kollegin", groups=("Sachbearbeitung",))
    key = new_key()
    [case_id] = deploy_and_start(app, session_factory, user_id, key)
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        akte_id = session.scalar(select(Akte.id).where(Akte.authority_id == case.authority_id).limit(1))
        group_id = session.scalar(select(Group.id).where(Group.authority_id == case.authority_id).limit(1))
        definition_id = case.definition_id
    login(client, authority, "alles")
    real = {"case_id": case_id, "task_id": open_task_ids(session_factory, case_id)[0], "user_id": other_id,
            "key": key, "process_key": key, "definition_id": definition_id, "akte_id": akte_id,
            "group_id": group_id, "version": "1", "action": "anhalten", "name": "x.css"}
    return {"real": real, "token": csrf_token(client.get("/ui/konto").get_data(as_text=True))}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/ui") and rule.endpoint not in SKIPPED_ENDPOINTS:
            yield rule


def _paths(rule, real: dict) -> list[str]:
    """The rule's path with real ids, and with ids of nothing."""
    paths = []
    for choice in ("real", "none"):
        values = {}
        for name in rule.arguments:
            if choice == "real" and real.get(name):
                values[name] = real[name]
            else:
                values[name] = "1" if rule._converters[name].__class__.__name__ == "IntegerConverter" else "gibt-es-nicht"
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", str(value), path)
        paths.append(path)
    return paths


def test_no_page_fails_on_odd_input(app, client, world):
    fields = _field_names()
    failures = []
    for rule in sorted(_routes(app), key=lambda r: r.rule):
        for path in _paths(rule, world["real"]):
            if "GET" in rule.methods:
                for value in ODD_VALUES[:4]:
                    answer = client.get(path, query_string={name: value for name in fields}, environ_base=ODD_ADDRESS)
                    if answer.status_code >= 500:
                        failures.append(f"GET {path} {value[:20]!r}: {answer.status_code}")
            if "POST" in rule.methods:
                for value in ODD_VALUES:
                    data = {name: value for name in fields} | {"csrf_token": world["token"]}
                    data |= {name: (io.BytesIO(value.encode()), "odd.pdf") for name in FILE_FIELDS}
                    answer = client.post(path, data=data, content_type="multipart/form-data", environ_base=ODD_ADDRESS)
                    if answer.status_code >= 500:
                        failures.append(f"POST {path} {value[:20]!r}: {answer.status_code}")
    assert not failures, "\n".join(failures)
