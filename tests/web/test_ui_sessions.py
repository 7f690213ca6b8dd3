"""UI login sessions are kept in the database: logout, a password change and "sign out everywhere" end them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engine.db import transaction, utcnow
from engine.models import LoginSession
from tests.web.ui_helpers import PASSWORD, login, post_form, ui_user

pytestmark = pytest.mark.core


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_cookie_captured_before_logout_no_longer_works(app, client, authority, session_factory):
    ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    assert login(client, authority, "sabine").status_code == 302
    captured = _cookie(client)
    thief = _with_cookie(app, captured)
    assert thief.get("/ui/aufgaben").status_code == 200  # the copy works while the session runs

    assert post_form(client, "/ui/abmelden").status_code == 302
    answer = thief.get("/ui/aufgaben")
    assert answer.status_code == 302 and "/ui/anmelden" in answer.location
    assert _with_cookie(app, captured).get("/ui/aufgaben").status_code == 302


def test_logout_ends_only_that_browsers_session(app, authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    office, home = app.test_client(), app.test_client()
    login(office, authority, "sabine")
    login(home, authority, "sabine")
    post_form(office, "/ui/abmelden")
    assert office.get("/ui/aufgaben").status_code == 302
    assert home.get("/ui/aufgaben").status_code == 200


def test_a_session_ends_after_its_lifetime_even_with_a_valid_cookie(app, client, authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    login(client, authority, "sabine")
    captured = _cookie(client)
    later = utcnow() + app.permanent_session_lifetime + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert _with_cookie(app, captured).get("/ui/aufgaben").status_code == 302


def test_the_session_is_stored_as_a_hash_only(app, client, authority, session_factory):
    user_id = ui_user(session_factory, authority, "sabine")
    login(client, authority, "sabine")
    with app.test_request_context():
        secret = app.session_interface.get_signing_serializer(app).loads(_cookie(client))["login"]
    with transaction(session_factory) as session:
        ids = session.scalars(select(LoginSession.id).where(LoginSession.user_id == user_id)).all()
    assert len(ids) == 1 and secret not in ids[0] and len(ids[0]) == 64


def test_a_wrong_password_starts_no_session(client, authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    assert login(client, authority, "sabine", PASSWORD + "x").status_code == 200
    assert client.get("/ui/aufgaben").status_code == 302


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(app, authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    office, home = app.test_client(), app.test_client()
    login(office, authority, "sabine")
    login(home, authority, "sabine")
    stolen = _with_cookie(app, _cookie(home))
    changed = post_form(office, "/ui/konto/passwort", {"aktuelles_passwort": PASSWORD, "neues_passwort": "neu-und-lang-1",
                                                       "wiederholung": "neu-und-lang-1"}, page_url="/ui/konto/passwort")
    assert changed.status_code == 302
    assert office.get("/ui/aufgaben").status_code == 200
    assert home.get("/ui/aufgaben").status_code == 302 and stolen.get("/ui/aufgaben").status_code == 302


def test_signing_out_everywhere_ends_every_session_of_the_user(app, authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    ui_user(session_factory, authority, "tom")
    office, home, colleague = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((office, "sabine"), (home, "sabine"), (colleague, "tom")):
        login(client, authority, name)
    assert post_form(office, "/ui/konto/ueberall-abmelden", {}, page_url="/ui/konto").status_code == 302
    assert office.get("/ui/aufgaben").status_code == 302 and home.get("/ui/aufgaben").status_code == 302
    assert colleague.get("/ui/aufgaben").status_code == 200
