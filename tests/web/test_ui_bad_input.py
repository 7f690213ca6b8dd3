"""Hostile input against every POST form and filter of the UI: a German message (or a 400 page), never a 5xx.

A logged-in user with every UI role sends each form without, with a wrong and
with an overlong CSRF token, with missing fields, repeated fields, values of the
wrong kind, overlong and NUL-holding values and non-UTF-8 bytes; the filter pages
get query parameters of the wrong type. Every answer must be below 500, every
4xx must be an HTML page with a German error message, and a refused request must
leave the database as it was.
"""

from __future__ import annotations

import io
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from eakte.models import Dokument, Vorgang
from engine.db import transaction
from engine.models import User
from processes import casefile
from tests import conftest
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.helpers import snapshot
from tests.web.ui_helpers import FORM_SCHEMA, csrf_token, deploy_and_start, login, new_key, open_task_ids, ui_user
from web.ui.common import ERROR_TITLES

OVERLONG = "ä" * 100_000
NON_UTF8 = object()  # marks a field sent as the raw bytes 0xff 0xfe (a form body that is not UTF-8)
SCHEMA = {**FORM_SCHEMA, "properties": {
    **FORM_SCHEMA["properties"],
    "flaeche": {"type": "number", "title": "Fläche in m²"},
    "eingang": {"type": "string", "format": "date", "title": "Eingangsdatum"},
    "bemerkung": {"type": "string", "title": "Bemerkung", "maxLength": 2000},
}}
BAD_IDS = ["x" * 5000, "ünïcødé-✓", "%00", "a%00b", "..%2Fx", "' OR '1'='1", "-1"]
BAD_DATES = ["", "abc", "2026-13-45", "31.12.2026", "9999-12-31", "0001-01-01", "99999-01-01", OVERLONG, "\x00"]


@pytest.fixture()
def world(app, session_factory):
    """A logged-in user with every role, two cases (the first one's task claimed, with a form), a document, and a
    Bescheid in the second case's file (for the delivery form)."""
    authority = conftest.TestAuthority(session_factory, f"uib-{uuid.uuid4().hex[:12]}")
    user_id = ui_user(session_factory, authority, "robust", roles=("clerk", "supervisor", "modeller"),
                      groups=("Sachbearbeitung",), display_name="Rob Ust")
    key = new_key()
    cases = deploy_and_start(app, session_factory, user_id, key, count=2)
    app.extensions["engine_context"].forms.register(key, "pruefen", SCHEMA)
    client = own_address(app.test_client())
    assert login(client, authority, "robust").status_code == 302
    task_id = open_task_ids(session_factory, cases[0])[0]
    with transaction(session_factory) as session:
        document_id = session.scalar(select(Dokument.id).join(Vorgang, Vorgang.id == Dokument.vorgang_id)
                                     .where(Vorgang.case_id == cases[0]))
        notice_id = casefile.upload_document(
            session, app.extensions["document_store"], session.get(User, user_id), cases[1], data=pdf_bytes(),
            filename="Bescheid.pdf", subject="Bescheid", doc_type="Bescheid", direction="outgoing",
            now=app.extensions["engine_context"].clock()).dokument_id
    world = {"client": client, "authority": authority, "case": cases[0], "other_case": cases[1], "task": task_id,
             "document": document_id, "notice": notice_id}
    assert post(world, f"/ui/aufgaben/{task_id}/uebernehmen", {}).status_code == 302
    return world


def own_address(client):
    """Give ``client`` an address of its own: its failed logins must not rate-limit other tests (127.0.0.1)."""
    client.environ_base["REMOTE_ADDR"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    return client


def token(world) -> str:
    return csrf_token(world["client"].get("/ui/aufgaben").get_data(as_text=True))


def post(world, url: str, data: dict, csrf: str | None = "valid", client=None, **kwargs):
    """POST ``data`` with a valid CSRF token (or ``csrf`` as given, None for none)."""
    client = client or world["client"]
    fields = {name: value() if callable(value) else value for name, value in data.items()}  # fresh uploads
    if csrf is not None:
        fields["csrf_token"] = token(world) if csrf == "valid" else csrf
    raw = [name for name, value in fields.items() if value is NON_UTF8]
    if raw:
        body = urlencode({k: v for k, v in fields.items() if k not in raw}) + "".join(f"&{n}=%FF%FE" for n in raw)
        return client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    return client.post(url, data=fields, **kwargs)


def german_problem(response) -> str | None:
    """Return what is wrong with a 4xx answer (None if it is a German HTML error)."""
    html = response.get_data(as_text=True)
    if response.mimetype != "text/html":
        return f"{response.status_code} is {response.mimetype}, not a German page: {html[:200]}"
    if any(marker in html for marker in ("error-summary", "field-error", "kern-alert--danger", "kern-error")) or any(f"<h1>{t}</h1>" in html for t in ERROR_TITLES.values()):
        return None
    return f"{response.status_code} page shows no error message: {html[:300]}"


def run(world, session_factory, requests) -> list[str]:
    """Send (label, callable) requests; return every problem found."""
    problems = []
    for label, send in requests:
        before = snapshot(session_factory)
        try:
            response = send()
        except Exception as exc:  # the test app propagates unhandled errors: that is a 500 in production
            problems.append(f"{label}: unhandled {type(exc).__name__}: {str(exc)[:200]}")
            continue
        status = response.status_code
        if status >= 500:
            problems.append(f"{label}: {status}")
        elif status >= 400:
            problem = german_problem(response)
            if problem:
                problems.append(f"{label}: {problem}")
            if snapshot(session_factory) != before:
                problems.append(f"{label}: refused with {status} but the database changed")
        response.close()
    return problems


def form_urls(world) -> dict[str, dict]:
    """Every POST form of the UI with the fields it takes and a plausible valid value each."""
    task, case = world["task"], world["other_case"]
    return {
        f"/ui/aufgaben/{task}/uebernehmen": {},
        f"/ui/aufgaben/{task}/zurueckgeben": {},
        f"/ui/aufgaben/{task}/zuweisen": {"gruppe": "Sachbearbeitung", "kollege": "", "zur_gruppe": "ja"},
        f"/ui/aufgaben/{task}/wiedervorlage": {"wiedervorlage": "2030-01-02"},
        f"/ui/aufgaben/{task}/notiz": {"notiz": "Rückruf vereinbart"},
        f"/ui/aufgaben/{task}/dokumente": {"betreff": "Lageplan", "dokumentart": "Bauvorlage", "richtung": "incoming",
                                           "datei": lambda: (io.BytesIO(b"Hallo"), "notiz.txt")},
        f"/ui/akten/{case}/zda": {"bestaetigt": "ja"},
        f"/ui/akten/{case}/wiedereroeffnen": {"grund": "Nachtrag"},
        f"/ui/akten/{case}/anhalten": {"begruendung": "Rückfrage"},
        f"/ui/akten/{case}/fortsetzen": {"begruendung": "Antwort da"},
        f"/ui/akten/{case}/zustellungen": {"dokument": world["notice"], "empfaenger": "Erika Mustermann", "tage": "10"},
        "/ui/kasse": {"kassenzeichen": "50632600000177", "betrag": "3.200,00", "gebucht_am": "2026-01-02"},
        f"/ui/posteingang/{case}": {"zuordnung": "akte", "betreff": "Brief", "dokumentart": "Nachricht",
                                    "dateien": lambda: (io.BytesIO(b"Hallo"), "brief.txt")},
        f"/ui/aufsicht/stoerungen/{uuid.uuid4()}/erneut": {},
        "/ui/aufgaben/filter": {"filtername": "Meine Auswahl", "suche": "Carport", "bereich": "mine", "sortierung": "-priority"},
        f"/ui/aufgaben/filter/{uuid.uuid4()}/loeschen": {},
        f"/ui/akten/{case}/abbrechen": {"abbruchgrund": "Antrag zurückgenommen"},
        "/ui/modelle": {},
        "/ui/anmelden": {"behoerde": world["authority"].slug, "benutzername": "robust", "passwort": "falsch"},
        "/ui/abmelden": {},
        f"/ui/aufgaben/{task}/erledigen": {"gebuehr": "12", "entscheidung": "genehmigt", "flaeche": "12,5",
                                           "eingang": "2026-03-01", "bemerkung": "ok"},  # last: it may end the task
    }


def test_forms_refuse_missing_wrong_and_overlong_csrf_tokens(world, session_factory):
    requests = []
    for url, fields in form_urls(world).items():
        for label, csrf in (("no token", None), ("wrong token", "falsch"), ("overlong token", "x" * 100_000),
                            ("NUL token", "a\x00b")):
            requests.append((f"{url} {label}", lambda url=url, fields=fields, csrf=csrf: post(world, url, fields, csrf)))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)
    refused = post(world, f"/ui/aufgaben/{world['task']}/notiz", {"notiz": "x"}, csrf=None)
    assert refused.status_code == 400 and "Sicherheitsmerkmal" in refused.get_data(as_text=True)


def test_form_fields_with_hostile_values_never_give_a_server_error(world, session_factory):
    requests = [(f"follow-up {value[:20]!r}", lambda value=value:
                 post(world, f"/ui/aufgaben/{world['task']}/wiedervorlage", {"wiedervorlage": value}))
                for value in BAD_DATES]
    for url, fields in form_urls(world).items():
        if url in ("/ui/abmelden", f"/ui/akten/{world['other_case']}/zda", f"/ui/akten/{world['other_case']}/abbrechen"):
            continue  # these would end the session, close a file or cancel the case for good: sent at the end
        requests.append((f"{url} empty", lambda url=url: post(world, url, {})))
        for name in fields:
            for label, value in (("overlong", OVERLONG), ("NUL", "a\x00b"), ("non-UTF-8", NON_UTF8),
                                 ("blank", "   "), ("unicode", "𝔘✓\u202e"), ("number", "9" * 5000),
                                 ("negative", "-1e400"), ("nan", "nan"), ("inf", "inf"), ("repeated", ["a", "b"]),
                                 ("file", (io.BytesIO(b"Datei"), "x.txt"))):
                requests.append((f"{url} {name}={label}",
                                 lambda url=url, fields=fields, name=name, value=value:
                                 post(world, url, {**fields, name: value}, content_type="multipart/form-data")))
        requests.append((f"{url} unknown field", lambda url=url, fields=fields:
                         post(world, url, {**fields, "unbekannt": "1"})))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)


def test_uploads_with_hostile_files_never_give_a_server_error(world, session_factory):
    task_upload = f"/ui/aufgaben/{world['task']}/dokumente"
    meta = {"betreff": "Lageplan", "dokumentart": "Bauvorlage", "richtung": "incoming"}
    files = {
        "no file": None, "empty file": (io.BytesIO(b""), "leer.pdf"), "no file name": (io.BytesIO(b"Hallo"), ""),
        "path as name": (io.BytesIO(b"Hallo"), "../../etc/passwd.txt"),
        "overlong name": (io.BytesIO(b"Hallo"), "x" * 5000 + ".txt"),
        "NUL in name": (io.BytesIO(b"Hallo"), "a\x00b.txt"), "broken PDF": (io.BytesIO(b"%PDF-1.4 kaputt"), "a.pdf"),
        "non-UTF-8 text": (io.BytesIO(b"\xff\xfe\x00"), "a.txt"),
        "executable": (io.BytesIO(b"MZ\x90\x00"), "a.exe"),
    }
    requests = [(f"task upload {label}", lambda f=f: post(world, task_upload, {**meta, **({"datei": f} if f else {})},
                                                          content_type="multipart/form-data"))
                for label, f in files.items()]
    requests.append(("task upload two files", lambda: post(world, task_upload, {**meta, "datei": [
        (io.BytesIO(b"a"), "a.txt"), (io.BytesIO(b"b"), "b.txt")]}, content_type="multipart/form-data")))
    requests.append(("task upload overlong subject", lambda: post(world, task_upload, {
        **meta, "betreff": "B" * 5000, "datei": (io.BytesIO(b"Hallo"), "a.txt")}, content_type="multipart/form-data")))
    models = {
        "not XML": (io.BytesIO(b"kein XML"), "a.bpmn"), "non-UTF-8": (io.BytesIO(b"\xff\xfe<x/>"), "a.bpmn"),
        "entity bomb": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                                   b"<l>&b;</l>"), "bomb.bpmn"),
        "empty": (io.BytesIO(b""), "leer.bpmn"), "no name": (io.BytesIO(b"<x/>"), ""),
        "overlong name": (io.BytesIO(b"<x/>"), "m" * 5000 + ".bpmn"), "NUL in name": (io.BytesIO(b"<x/>"), "a\x00.bpmn"),
        "only DMN": (io.BytesIO(b"<definitions/>"), "a.dmn"), "wrong extension": (io.BytesIO(b"<x/>"), "a.exe"),
    }
    requests += [(f"model upload {label}", lambda f=f: post(world, "/ui/modelle", {"dateien": f},
                                                            content_type="multipart/form-data"))
                 for label, f in models.items()]
    requests.append(("model upload as text", lambda: post(world, "/ui/modelle", {"dateien": "kein Upload"})))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)


def test_login_form_with_hostile_values_never_gives_a_server_error(app, world, session_factory):
    slug = world["authority"].slug
    anonymous = own_address(app.test_client())

    def attempt(fields: dict, next_url: str | None = None):
        page = anonymous.get("/ui/anmelden")
        url = "/ui/anmelden" + (f"?{urlencode({'next': next_url})}" if next_url is not None else "")
        return post(world, url, fields, csrf=csrf_token(page.get_data(as_text=True)), client=anonymous)

    cases = {
        "nothing": {}, "overlong authority": {"behoerde": OVERLONG, "benutzername": "a", "passwort": "b"},
        "overlong user": {"behoerde": slug, "benutzername": OVERLONG, "passwort": "b"},
        "overlong password": {"behoerde": slug, "benutzername": "robust", "passwort": OVERLONG},
        "NUL": {"behoerde": "a\x00", "benutzername": "b\x00", "passwort": "c\x00"},
        "non-UTF-8": {"behoerde": NON_UTF8, "benutzername": NON_UTF8, "passwort": NON_UTF8},
        "repeated": {"behoerde": [slug, "x"], "benutzername": ["robust", "y"], "passwort": ["a", "b"]},
    }
    requests = [(f"login {label}", lambda fields=fields: attempt(fields)) for label, fields in cases.items()]
    for target in ("//evil.example", "https://evil.example/", "x" * 10_000, "/ui/\x00", "javascript:alert(1)"):
        requests.append((f"login next={target[:20]!r}", lambda target=target: attempt(
            {"behoerde": slug, "benutzername": "robust", "passwort": "falsch"}, target)))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)


def test_filters_and_ids_with_hostile_values_never_give_a_server_error(world, session_factory):
    client = world["client"]
    pages = {
        "/ui/aufgaben": ["seite", "pro_seite", "bereich", "sortierung", "faellig", "verfahren", "suche"],
        "/ui/aktensuche": ["seite", "pro_seite", "suche", "verfahren", "status", "von", "bis", "bearbeitung"],
        "/ui/aufsicht/kennzahlen": ["von", "bis"],
        "/ui/aufsicht/stoerungen": ["seite", "pro_seite"],
        f"/ui/akten/{world['case']}": ["seite", "pro_seite"],
        "/ui/posteingang": ["aktenzeichen"],
        "/ui/kasse": ["kassenzeichen"],
    }
    values = ["-1", "0", "abc", str(10 ** 30), "", "x" * 5000, "\x00", "9999-12-31", "0001-01-01", "2026-02-30",
              "unbekannt", "%"]
    requests = [(f"{url}?{name}={value[:20]!r}", lambda url=url, name=name, value=value:
                 client.get(url, query_string={name: value}))
                for url, names in pages.items() for name in names for value in values]
    requests.append(("/ui/aufsicht/kennzahlen reversed period", lambda: client.get(
        "/ui/aufsicht/kennzahlen", query_string={"von": "2026-12-31", "bis": "2020-01-01"})))
    for bad in BAD_IDS:
        for url in (f"/ui/aufgaben/{bad}", f"/ui/akten/{bad}", f"/ui/akten/{bad}/diagramm.bpmn", f"/ui/modelle/{bad}",
                    f"/ui/dokumente/{bad}/versionen/1", f"/ui/posteingang/{bad}"):
            requests.append((url[:60], lambda url=url: client.get(url)))
        requests.append((f"notiz on task {bad[:20]!r}", lambda bad=bad: post(world, f"/ui/aufgaben/{bad}/notiz",
                                                                               {"notiz": "x"})))
    for version in ("0", str(10 ** 30), str(2 ** 63)):
        requests.append((f"document version {version[:20]}", lambda version=version: client.get(
            f"/ui/dokumente/{world['document']}/versionen/{version}")))
    problems = run(world, session_factory, requests)
    assert not problems, "\n".join(problems)


def test_closing_and_logout_forms_with_hostile_values(world, session_factory):
    """Sent last: the zdA form on a running case must be refused; logging out ends the module's session."""
    zda = f"/ui/akten/{world['other_case']}/zda"
    requests = [(f"zda {label}", lambda value=value: post(world, zda, {"bestaetigt": value}))
                for label, value in (("missing", None), ("nein", "nein"), ("overlong", OVERLONG), ("NUL", "\x00"),
                                     ("repeated", ["ja", "nein"]))]
    cancel = f"/ui/akten/{world['other_case']}/abbrechen"
    requests += [(f"cancel {label}", lambda value=value: post(world, cancel, {"abbruchgrund": value}))
                 for label, value in (("missing", None), ("blank", "   "), ("overlong", OVERLONG), ("NUL", "a\x00b"),
                                      ("non-UTF-8", NON_UTF8))]
    requests.append(("logout with fields", lambda: post(world, "/ui/abmelden", {"x": OVERLONG})))
    problems = run(world, session_factory, [(label, send) for label, send in requests])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1e999"])
def test_number_fields_refuse_nan_and_infinity(world, session_factory, value):
    """float() reads these; the case data cannot store them (it was a 500)."""
    url = f"/ui/aufgaben/{world['task']}/erledigen"
    before = snapshot(session_factory)
    response = post(world, url, {"gebuehr": "12", "entscheidung": "genehmigt", "flaeche": value})
    assert response.status_code == 422 and "Bitte eine Zahl eingeben (z. B. 1.234,56)." in response.get_data(as_text=True)
    assert snapshot(session_factory) == before


def test_the_page_check_can_fail():
    """JSON, and a page without an error message, are reported; a German error page is not."""
    from flask import Response

    assert german_problem(Response('{"message": "x"}', status=400, mimetype="application/json"))
    assert german_problem(Response("<p>Aufgaben</p>", status=422, mimetype="text/html"))
    assert german_problem(Response("<h1>Konflikt</h1>", status=409, mimetype="text/html")) is None
    assert german_problem(Response('<p class="field-error">Bitte …</p>', status=422, mimetype="text/html")) is None


def test_a_too_large_upload_is_a_german_413_page(app, world, session_factory, monkeypatch):
    url = f"/ui/aufgaben/{world['task']}/dokumente"
    fields = {"csrf_token": token(world), "betreff": "Groß", "dokumentart": "Bauvorlage",
              "datei": (io.BytesIO(b"x" * 5000), "gross.txt")}
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    before = snapshot(session_factory)
    response = world["client"].post(url, data=fields, content_type="multipart/form-data")
    assert response.status_code == 413 and german_problem(response) is None
    assert "zu groß" in response.get_data(as_text=True)
    assert snapshot(session_factory) == before
