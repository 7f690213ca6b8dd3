"""Every page of the clerk UI answers odd input without a server error (see tests/web/odd_input.py).

The UI is called as a person with every role, so the role checks let the
requests through to the code behind them. Routes that end the tester's own
session are left out.
"""

from __future__ import annotations

from sqlalchemy import select

from eakte.models.akte import Akte
from engine.db import transaction
from engine.models import Case, Group
from tests.web.odd_input import server_errors
from tests.web.ui_helpers import csrf_token, deploy_and_start, login, new_key, open_task_ids, ui_user

ROLES = ("admin", "modeller", "clerk", "supervisor", "operator")
SKIPPED_ENDPOINTS = {"ui_auth.logout", "ui_account.sign_out_everywhere", "static"}


def test_no_page_fails_on_odd_input(app, client, authority, session_factory):
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
    token = csrf_token(client.get("/ui/konto").get_data(as_text=True))

    failures = server_errors(app, client, "/ui", real, token, SKIPPED_ENDPOINTS)
    assert not failures, "\n".join(failures)
