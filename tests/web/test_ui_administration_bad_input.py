"""Hostile input against every form of the administration pages and "Mein Konto": a German page, never a 5xx, and
nothing changed by a refused request (the sweep of tests/web/test_ui_bad_input.py for these forms)."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import ApiToken, Group
from tests import conftest
from tests.eakte import factories
from tests.web.test_ui_bad_input import BAD_DATES, BAD_IDS, NON_UTF8, OVERLONG, own_address, post, run
from tests.web.ui_helpers import login, ui_user

pytestmark = pytest.mark.core


@pytest.fixture()
def world(app, session_factory):
    """An administrator (and operator) signed in, a colleague with a token and an absence, a group, a due file."""
    authority = conftest.TestAuthority(session_factory, f"uia-{uuid.uuid4().hex[:12]}")
    ui_user(session_factory, authority, "robust", roles=("admin", "operator", "supervisor", "clerk"),
            groups=("Sachbearbeitung",))
    target = ui_user(session_factory, authority, "ziel", groups=("Sachbearbeitung",))
    client = own_address(app.test_client())
    assert login(client, authority, "robust").status_code == 302
    world = {"client": client, "authority": authority, "target": target}
    with transaction(session_factory) as session:
        world["group"] = session.scalar(select(Group.id).where(Group.authority_id == authority.id))
        unit = factories.make_unit(session, authority.id, code="80.01", disposal_code="A", retention_years=1)
        world["unit"] = unit.id
        world["akte"] = factories.make_full_akte(session, app.extensions["document_store"], unit).id
    assert post(world, f"/ui/verwaltung/benutzer/{target}/schluessel", {"bezeichnung": "x"}).status_code == 200
    with transaction(session_factory) as session:
        world["token"] = session.scalar(select(ApiToken.id).where(ApiToken.user_id == target))
    assert post(world, "/ui/verwaltung/vertretungen", {"person": "ziel", "von": "2030-01-01"}).status_code == 302
    page = client.get("/ui/verwaltung/vertretungen").get_data(as_text=True)
    world["absence"] = page.split("/ui/verwaltung/vertretungen/")[1].split("/")[0]
    return world


def form_urls(world) -> dict[str, dict]:
    """Every POST form of the administration and the account with plausible valid values."""
    user, group, unit, akte = world["target"], world["group"], world["unit"], world["akte"]
    admin = "/ui/verwaltung"
    return {
        f"{admin}/benutzer/neu": {"benutzername": "neu", "anzeigename": "Neu", "email": "neu@example.org",
                                  "rollen": "clerk", "gruppen": group, "zugang": "link"},
        f"{admin}/benutzer/{user}": {"anzeigename": "Ziel", "email": "", "rollen": "clerk", "gruppen": group},
        f"{admin}/benutzer/{user}/passwort": {"verfahren": "link"},
        f"{admin}/benutzer/{user}/abmelden": {},
        f"{admin}/benutzer/{user}/schluessel": {"bezeichnung": "Skript"},
        f"{admin}/benutzer/{user}/schluessel/{world['token']}/widerrufen": {},
        f"{admin}/gruppen/neu": {"name": "Neue Gruppe", "bahnen": "Sachbearbeitung", "weitere": "A, B",
                                 "mitglieder": user},
        f"{admin}/gruppen/{group}": {"name": "Sachbearbeitung", "bahnen": "Sachbearbeitung", "mitglieder": user},
        f"{admin}/vertretungen": {"person": "ziel", "von": "2030-02-01", "bis": "2030-02-03", "vertretung": "robust",
                                  "gruppen": "Sachbearbeitung"},
        f"{admin}/aktenplan/neu": {"kennzeichen": "90.01", "titel": "Neu", "aufbewahrung": "5", "aussonderung": "V",
                                   "vertraulichkeit": "intern"},
        f"{admin}/aktenplan/{unit}": {"titel": "Geändert", "aufbewahrung": "2", "aussonderung": "A",
                                      "vertraulichkeit": "intern"},
        f"{admin}/aktenplan/zuordnung": {"verfahren": "geburt", "einheit": unit},
        f"{admin}/behoerden": {"behoerdenname": "Amt", "kuerzel": f"amt-{uuid.uuid4().hex[:6]}", "benutzername": "erste",
                               "anzeigename": "", "email": "", "zugang": "link"},
        f"{admin}/aussonderung/anbieten": {"akte": "80.01-x", "archiv": "Landesarchiv", "schluessel": ""},
        f"{admin}/aussonderung/bewertung": {"bewertung": lambda: (io.BytesIO(b"<x/>"), "0502.xml")},
        f"{admin}/aussonderung/importbestaetigung": {"bestaetigung": lambda: (io.BytesIO(b"<x/>"), "0506.xml")},
        f"{admin}/aussonderung/abgaben/{uuid.uuid4()}/bestaetigen": {"signatur": "LAMV 1"},
        f"{admin}/aussonderung/vernichten/{akte}": {"bestaetigt": "1"},
        f"{admin}/aussonderung/abgeben/{akte}": {"archiv": "Landesarchiv", "schluessel": ""},
        f"{admin}/vertretungen/{world['absence']}/beenden": {},
        "/ui/konto/passwort": {"aktuelles_passwort": "falsch", "neues_passwort": "lang-genug-123",
                               "wiederholung": "lang-genug-123"},
        "/ui/konto/schluessel": {"bezeichnung": "Mein Skript"},
        "/ui/konto/abwesenheit": {"von": "2030-03-01", "bis": "", "vertretung": "ziel", "gruppen": "Sachbearbeitung"},
        f"/ui/passwort-setzen/{'x' * 43}": {"neues_passwort": "lang-genug-123", "wiederholung": "lang-genug-123"},
        f"{admin}/benutzer/{user}/deaktivieren": {},
        f"{admin}/benutzer/{user}/reaktivieren": {},
    }


def test_administration_forms_refuse_missing_and_wrong_csrf_tokens(world, session_factory):
    requests = [(f"{url} {label}", lambda url=url, fields=fields, csrf=csrf: post(world, url, fields, csrf))
                for url, fields in form_urls(world).items()
                for label, csrf in (("no token", None), ("wrong token", "falsch"), ("NUL token", "a\x00b"))]
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)


def test_administration_forms_with_hostile_values_never_give_a_server_error(world, session_factory):
    requests = []
    for url, fields in form_urls(world).items():
        requests.append((f"{url} empty", lambda url=url: post(world, url, {})))
        for name in fields:
            for label, value in (("overlong", OVERLONG), ("NUL", "a\x00b"), ("non-UTF-8", NON_UTF8),
                                 ("blank", "   "), ("unicode", "𝔘✓\u202e"), ("number", "9" * 5000),
                                 ("repeated", ["a", "b"]), ("file", (io.BytesIO(b"Datei"), "x.txt"))):
                requests.append((f"{url} {name}={label}",
                                 lambda url=url, fields=fields, name=name, value=value:
                                 post(world, url, {**fields, name: value}, content_type="multipart/form-data")))
    for field in ("von", "bis"):
        for value in BAD_DATES:
            requests.append((f"absence {field}={value[:20]!r}", lambda field=field, value=value: post(
                world, "/ui/konto/abwesenheit", {"von": "2030-03-01", field: value})))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)
    assert post(world, "/ui/konto/ueberall-abmelden", {"x": OVERLONG}).status_code == 302  # last: ends the session


def test_administration_pages_with_hostile_ids_and_filters_never_give_a_server_error(world, session_factory):
    client = world["client"]
    requests = []
    for bad in BAD_IDS:
        for url in (f"/ui/verwaltung/benutzer/{bad}", f"/ui/verwaltung/benutzer/{bad}/deaktivieren",
                    f"/ui/verwaltung/gruppen/{bad}", f"/ui/verwaltung/aktenplan/{bad}",
                    f"/ui/verwaltung/aussonderung/abgeben/{bad}", f"/ui/verwaltung/aussonderung/vernichten/{bad}",
                    f"/ui/verwaltung/aussonderung/abgaben/{bad}/bestaetigen", f"/ui/passwort-setzen/{bad}",
                    f"/ui/vertretung?fuer={bad}"):
            requests.append((url[:70], lambda url=url: client.get(url)))
    for name, values in (("suche", ["x" * 5000, "%", "_", "\x00"]), ("seite", ["-1", "abc", str(10 ** 30)])):
        for value in values:
            requests.append((f"users {name}={value[:10]!r}", lambda name=name, value=value: client.get(
                "/ui/verwaltung/benutzer", query_string={name: value})))
            requests.append((f"log {name}={value[:10]!r}", lambda name=name, value=value: client.get(
                "/ui/verwaltung/protokoll", query_string={name: value})))
    requests.append(("offer many", lambda: client.get("/ui/verwaltung/aussonderung/anbieten",
                                                      query_string={"akte": ["x" * 5000, "\x00"]})))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)
