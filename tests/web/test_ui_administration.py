"""The administration pages and "Mein Konto" without JavaScript: German errors next to the fields, values kept,
confirmation pages for destructive steps, secrets shown once, every change in the Verwaltungsprotokoll."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Group, User
from engine.legal_time import LEGAL_TIME
from tests.web.ui_helpers import PASSWORD, csrf_token, login, post_form, ui_user

pytestmark = pytest.mark.core


@pytest.fixture
def admin(app, authority, session_factory):
    """A client signed in as the authority's administrator."""
    ui_user(session_factory, authority, "chefin", roles=("admin",), groups=(), display_name="Clara Chefin")
    client = app.test_client()
    assert login(client, authority, "chefin").status_code == 302
    return client


def _post(client, url, data, page=None):
    return post_form(client, url, data, page_url=page or url)


def _user(session_factory, authority, username) -> User:
    with transaction(session_factory) as session:
        return session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))


def test_an_admin_sees_the_administration_in_the_menu_and_a_clerk_does_not(app, admin, authority, session_factory):
    page = admin.get("/ui/aufgaben").get_data(as_text=True)
    assert ">Verwaltung</a>" in page and ">Mein Konto</a>" in page
    overview = admin.get("/ui/verwaltung").get_data(as_text=True)
    for link in ("Benutzerinnen und Benutzer", "Gruppen", "Abwesenheiten und Vertretungen", "Aktenplan",
                 "Aussonderung", "Verwaltungsprotokoll"):
        assert link in overview
    ui_user(session_factory, authority, "anna")
    clerk = app.test_client()
    login(clerk, authority, "anna")
    assert ">Verwaltung</a>" not in clerk.get("/ui/aufgaben").get_data(as_text=True)
    for url in ("/ui/verwaltung", "/ui/verwaltung/benutzer", "/ui/verwaltung/gruppen", "/ui/verwaltung/aktenplan",
                "/ui/verwaltung/aussonderung", "/ui/verwaltung/protokoll", "/ui/verwaltung/behoerden",
                "/ui/verwaltung/vertretungen"):
        assert clerk.get(url).status_code == 403, url


def test_creating_a_user_shows_german_errors_keeps_values_and_shows_the_link_once(admin, authority, session_factory):
    url = "/ui/verwaltung/benutzer/neu"
    refused = _post(admin, url, {"benutzername": "x y", "anzeigename": "Bert Bauer", "email": "kaputt",
                                 "rollen": "clerk", "zugang": "link"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Bitte prüfen Sie Ihre Eingaben" in html
    assert 'href="#benutzername"' in html and "Buchstaben, Ziffern" in html
    assert 'value="Bert Bauer"' in html and 'value="kaputt"' in html
    assert _user(session_factory, authority, "x y") is None
    no_role = _post(admin, url, {"benutzername": "bert", "zugang": "link"})
    assert no_role.status_code == 422 and "mindestens eine Rolle" in no_role.get_data(as_text=True)

    created = _post(admin, url, {"benutzername": "bert", "anzeigename": "Bert Bauer", "email": "bert@example.org",
                                 "rollen": ["clerk", "supervisor"], "zugang": "link"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="einmal-link">([^<]+)<', html)[1]
    assert "/ui/passwort-setzen/" in link and "nur einmal sichtbar" in html.lower() and "<dd>bert</dd>" in html
    user = _user(session_factory, authority, "bert")
    assert (user.display_name, user.email, user.roles) == ("Bert Bauer", "bert@example.org", ["clerk", "supervisor"])
    assert "Bert Bauer" in admin.get("/ui/verwaltung/benutzer?suche=bauer").get_data(as_text=True)
    assert link not in admin.get(f"/ui/verwaltung/benutzer/{user.id}").get_data(as_text=True)
    taken = _post(admin, url, {"benutzername": "bert", "rollen": "clerk", "zugang": ""})
    assert taken.status_code == 422 and "gibt es in Ihrer Behörde schon" in taken.get_data(as_text=True)


def test_editing_roles_and_groups_and_the_self_lockout_guard(admin, authority, session_factory):
    anna = ui_user(session_factory, authority, "anna", groups=("Sachbearbeitung",))
    with transaction(session_factory) as session:
        group_id = session.scalar(select(Group.id).where(Group.authority_id == authority.id,
                                                         Group.name == "Sachbearbeitung"))
    url = f"/ui/verwaltung/benutzer/{anna}"
    saved = _post(admin, url, {"anzeigename": "Anna Alt", "email": "", "rollen": ["clerk", "modeller"]})
    assert saved.status_code == 302
    user = _user(session_factory, authority, "anna")
    assert (user.display_name, user.roles, user.groups) == ("Anna Alt", ["clerk", "modeller"], [])
    _post(admin, url, {"anzeigename": "Anna Alt", "rollen": "clerk", "gruppen": group_id})
    assert _user(session_factory, authority, "anna").groups == ["Sachbearbeitung"]
    empty = _post(admin, url, {"anzeigename": "", "rollen": "clerk"})
    assert empty.status_code == 422 and 'href="#anzeigename"' in empty.get_data(as_text=True)

    me = _user(session_factory, authority, "chefin").id
    refused = _post(admin, f"/ui/verwaltung/benutzer/{me}", {"anzeigename": "Clara", "rollen": "clerk"})
    assert refused.status_code == 422 and "nicht selbst entziehen" in refused.get_data(as_text=True)
    assert _user(session_factory, authority, "chefin").roles == ["admin"]


def test_deactivation_asks_on_a_page_of_its_own_and_ends_the_users_sessions(app, admin, authority, session_factory):
    anna = ui_user(session_factory, authority, "anna", display_name="Anna Alt")
    browser = app.test_client()
    login(browser, authority, "anna")
    url = f"/ui/verwaltung/benutzer/{anna}/deaktivieren"
    ask = admin.get(url).get_data(as_text=True)
    assert "Wollen Sie das Konto" in ask and "nicht gelöscht" in ask and "(Anna Alt)" in ask
    assert _user(session_factory, authority, "anna").active
    assert _post(admin, url, {}).status_code == 302
    assert not _user(session_factory, authority, "anna").active
    assert browser.get("/ui/aufgaben").status_code == 302
    assert login(app.test_client(), authority, "anna").status_code == 200  # refused
    assert _post(admin, f"/ui/verwaltung/benutzer/{anna}/reaktivieren", {},
                 f"/ui/verwaltung/benutzer/{anna}").status_code == 302
    assert login(app.test_client(), authority, "anna").status_code == 302


def test_temporary_password_must_be_changed_at_the_next_sign_in(app, admin, authority, session_factory):
    anna = ui_user(session_factory, authority, "anna")
    page = f"/ui/verwaltung/benutzer/{anna}"
    shown = _post(admin, f"{page}/passwort", {"verfahren": "temporary"}, page).get_data(as_text=True)
    temporary = re.search(r'id="vorlaeufiges-passwort">([^<]+)<', shown)[1]
    browser = app.test_client()
    assert login(browser, authority, "anna", PASSWORD).status_code == 200  # the old password is gone
    assert login(browser, authority, "anna", temporary).status_code == 302
    assert browser.get("/ui/aufgaben").location.endswith("/ui/konto/passwort")
    form = browser.get("/ui/konto/passwort").get_data(as_text=True)
    assert "vorläufigen Passwort" in form
    mismatch = browser.post("/ui/konto/passwort", data={"csrf_token": csrf_token(form), "aktuelles_passwort": temporary,
                                                        "neues_passwort": "mein-eigenes-pw", "wiederholung": "anders"})
    assert mismatch.status_code == 422 and "stimmt nicht" in mismatch.get_data(as_text=True)
    done = browser.post("/ui/konto/passwort", data={"csrf_token": csrf_token(form), "aktuelles_passwort": temporary,
                                                    "neues_passwort": "mein-eigenes-pw",
                                                    "wiederholung": "mein-eigenes-pw"})
    assert done.status_code == 302 and browser.get("/ui/aufgaben").status_code == 200


def test_groups_page_warns_about_lanes_nobody_serves_and_a_group_is_created(app, admin, authority, session_factory):
    from tests.web.ui_helpers import deploy_and_start, new_key

    boss = ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    deploy_and_start(app, session_factory, boss, new_key())  # its tasks go to the candidate group Sachbearbeitung
    page = admin.get("/ui/verwaltung/gruppen").get_data(as_text=True)
    assert "Aufgaben ohne zuständige Gruppe" in page and "Sachbearbeitung" in page
    anna = ui_user(session_factory, authority, "anna", groups=())
    created = _post(admin, "/ui/verwaltung/gruppen/neu", {"name": "Bauaufsicht Nord", "bahnen": "Sachbearbeitung",
                                                         "mitglieder": anna})
    assert created.status_code == 302
    assert _user(session_factory, authority, "anna").groups == ["Sachbearbeitung"]
    page = admin.get("/ui/verwaltung/gruppen").get_data(as_text=True)
    assert "Aufgaben ohne zuständige Gruppe" not in page and "Bauaufsicht Nord" in page
    twice = _post(admin, "/ui/verwaltung/gruppen/neu", {"name": "Bauaufsicht Nord"})
    assert twice.status_code == 422 and "gibt es schon" in twice.get_data(as_text=True)


def test_file_plan_units_are_added_and_changed_with_german_checks(admin, authority, session_factory):
    refused = _post(admin, "/ui/verwaltung/aktenplan/neu", {"kennzeichen": "34.01", "titel": "", "aufbewahrung": "viel",
                                                            "aussonderung": "Q", "vertraulichkeit": "intern"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'href="#titel"' in html and "in Jahren an" in html
    assert 'value="34.01"' in html
    assert _post(admin, "/ui/verwaltung/aktenplan/neu", {"kennzeichen": "34.01", "titel": "Geburten",
                                                         "aufbewahrung": "110 Jahre", "aussonderung": "A",
                                                         "vertraulichkeit": "intern"}).status_code == 302
    twice = _post(admin, "/ui/verwaltung/aktenplan/neu", {"kennzeichen": "34.01", "titel": "X", "aufbewahrung": "1",
                                                          "aussonderung": "V", "vertraulichkeit": "intern"})
    assert twice.status_code == 422 and "gibt es schon" in twice.get_data(as_text=True)
    page = admin.get("/ui/verwaltung/aktenplan").get_data(as_text=True)
    unit_id = re.search(r'href="/ui/verwaltung/aktenplan/([^"]+)" aria-label="Einheit 34.01', page)[1]
    assert _post(admin, f"/ui/verwaltung/aktenplan/{unit_id}", {"titel": "Geburtsregister", "dauernd": "1",
                                                                "aussonderung": "A", "vertraulichkeit": "vertraulich"}
                 ).status_code == 302
    page = admin.get("/ui/verwaltung/aktenplan").get_data(as_text=True)
    assert "Geburtsregister" in page and "dauernd" in page
    mapped = _post(admin, "/ui/verwaltung/aktenplan/zuordnung", {"verfahren": "geburt", "einheit": unit_id},
                   "/ui/verwaltung/aktenplan")
    assert mapped.status_code == 302
    assert admin.get("/ui/verwaltung/aktenplan/unbekannt").status_code == 404
    log = admin.get("/ui/verwaltung/protokoll").get_data(as_text=True)
    for entry in ("Aktenplaneinheit angelegt", "Aktenplaneinheit geändert", "Verfahren zugeordnet",
                  "Titel: Geburtsregister", "Aufbewahrung (Jahre): dauernd"):
        assert entry in log


def test_own_absence_with_a_substitute_and_the_vertretung_view(app, authority, session_factory):
    from tests.web.ui_helpers import deploy_and_start, new_key, open_task_ids

    anna = ui_user(session_factory, authority, "anna", roles=("clerk", "modeller"), display_name="Anna Alt")
    ui_user(session_factory, authority, "vera", groups=("Andere",), display_name="Vera Vogel")
    [case_id] = deploy_and_start(app, session_factory, anna, new_key(), prefix="VT")
    absent, substitute = app.test_client(), app.test_client()
    login(absent, authority, "anna")
    login(substitute, authority, "vera")
    task_id = open_task_ids(session_factory, case_id)[0]
    post_form(absent, f"/ui/aufgaben/{task_id}/uebernehmen")
    today = datetime.now(LEGAL_TIME).date()
    wrong = _post(absent, "/ui/konto/abwesenheit", {"von": (today + timedelta(days=3)).isoformat(),
                                                   "bis": today.isoformat(), "vertretung": "vera"}, "/ui/konto")
    assert wrong.status_code == 422 and "nicht vor dem ersten Tag" in wrong.get_data(as_text=True)
    assert _post(absent, "/ui/konto/abwesenheit", {"von": today.strftime("%d.%m.%Y"), "vertretung": "vera"},
                 "/ui/konto").status_code == 302
    account = absent.get("/ui/konto").get_data(as_text=True)
    assert f"ab {today:%d.%m.%Y}</td>" in account and '<td class="kern-table__cell">Vera Vogel</td>' in account

    inbox = substitute.get("/ui/aufgaben").get_data(as_text=True)
    assert "Vertretung für Anna Alt" in inbox and "VT-0001" not in inbox
    view = substitute.get("/ui/vertretung").get_data(as_text=True)
    assert "VT-0001" in view and "Anna Alt" in view
    task_page = substitute.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "in Vertretung für Anna Alt" in task_page
    assert _post(substitute, f"/ui/aufgaben/{task_id}/erledigen", {}, f"/ui/aufgaben/{task_id}").status_code == 302
    history = substitute.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert "Vera Vogel in Vertretung für Anna Alt" in history


def test_own_api_tokens_are_shown_once_and_revoked(app, client, authority, session_factory):
    ui_user(session_factory, authority, "anna")
    browser = app.test_client()
    login(browser, authority, "anna")
    shown = _post(browser, "/ui/konto/schluessel", {"bezeichnung": "Fachverfahren"}, "/ui/konto")
    token = re.search(r'id="api-schluessel">([^<]+)<', shown.get_data(as_text=True))[1]
    assert shown.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    account = browser.get("/ui/konto").get_data(as_text=True)
    assert "Fachverfahren" in account and token not in account
    token_id = re.search(r'/ui/konto/schluessel/([^/]+)/widerrufen', account)[1]
    assert _post(browser, f"/ui/konto/schluessel/{token_id}/widerrufen", {}, "/ui/konto").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_operator_creates_an_authority_with_its_first_administrator(app, authority, session_factory):
    ui_user(session_factory, authority, "betrieb", roles=("operator",), groups=())
    operator = app.test_client()
    login(operator, authority, "betrieb")
    assert "Behörden" in operator.get("/ui/verwaltung").get_data(as_text=True)
    bad = _post(operator, "/ui/verwaltung/behoerden", {"behoerdenname": "Amt Crivitz", "kuerzel": "Amt Crivitz",
                                                       "benutzername": "erste", "zugang": "link"})
    assert bad.status_code == 422 and "Kleinbuchstaben" in bad.get_data(as_text=True)
    slug = f"crivitz-{authority.slug[-6:]}"
    made = _post(operator, "/ui/verwaltung/behoerden", {"behoerdenname": "Amt Crivitz", "kuerzel": slug,
                                                        "benutzername": "erste", "zugang": "temporary"})
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and "Amt Crivitz" in html
    temporary = re.search(r'id="vorlaeufiges-passwort">([^<]+)<', html)[1]
    assert login(app.test_client(), type("A", (), {"slug": slug}), "erste", temporary).status_code == 302
    assert "Behörde angelegt" in operator.get("/ui/verwaltung/protokoll").get_data(as_text=True)
