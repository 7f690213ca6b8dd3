"""Posteingang in the UI: post for a running case is filed into its file and continues the case if it waits for it."""

from __future__ import annotations

import io
import uuid

import pytest
from eakte import akten, dokumente
from eakte.models import Akte
from engine.db import transaction
from engine.models import Case, User
from processes import casework
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import UI_MODELS, csrf_token, login, open_task_ids, ui_user

pytestmark = pytest.mark.core


@pytest.fixture()
def waiting_case(app, session_factory, authority):
    """A case of a model that waits at a receive task 'Nachreichung abwarten'; a clerk 'paula' signed in."""
    user_id = ui_user(session_factory, authority, "paula", groups=("Posteingang",))
    key = f"ui_nachreichung_{uuid.uuid4().hex[:8]}"
    model = (UI_MODELS / "ui_nachreichung.bpmn").read_bytes().replace(b'id="ui_nachreichung"', f'id="{key}"'.encode())
    ctx = app.extensions["engine_context"]
    with transaction(session_factory) as session:
        user = session.get(User, user_id)
        casework.deploy(session, ctx, {f"{key}.bpmn": model}, user)
        case = casework.start_case(session, ctx, user, key, {"antragsteller": "Erika Mustermann"}, subject="Carport")
        return case.id, case.business_key


def _post(client, case_id, data: dict, files=()):
    page = client.get(f"/ui/posteingang/{case_id}")
    form = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
    if files:
        form["dateien"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/ui/posteingang/{case_id}", data=form, content_type="multipart/form-data")


def _documents(session_factory, case_id):
    """The file's documents other than the application filed at the start: (subject, type, direction)."""
    with transaction(session_factory) as session:
        akte = session.get(Akte, akten.vorgang_of_case(session, case_id).akte_id)
        return sorted((d.subject, d.doc_type, d.direction) for d in dokumente.documents_of_akte(session, akte)
                      if d.doc_type != "Antrag")


def test_clerk_finds_the_case_by_aktenzeichen_and_the_awaited_documents_continue_it(client, authority, session_factory,
                                                                                   waiting_case):
    case_id, aktenzeichen = waiting_case
    login(client, authority, "paula")
    found = client.get("/ui/posteingang", query_string={"aktenzeichen": f"  {aktenzeichen} "})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/ui/posteingang/{case_id}")
    case_page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert "wartet auf einen Eingang: „Nachreichung abwarten“" in case_page
    assert f'href="/ui/posteingang/{case_id}">Eingang erfassen' in case_page
    page = client.get(f"/ui/posteingang/{case_id}").get_data(as_text=True)
    assert "Das ist der erwartete Eingang: Nachreichung abwarten" in page and 'checked' in page

    response = _post(client, case_id, {"zuordnung": "unterlagen_nachgereicht", "betreff": "Statik",
                                       "dokumentart": "Bauvorlage"},
                     files=[("Statik.pdf", pdf_bytes()), ("Nachweis.pdf", pdf_bytes())])
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Eingang zu {aktenzeichen} erfasst: 2 Dokumente abgelegt. Der Vorgang geht weiter" in shown
    assert _documents(session_factory, case_id) == [("Statik (1/2)", "Bauvorlage", "incoming"),
                                                    ("Statik (2/2)", "Bauvorlage", "incoming")]
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        assert [d["betreff"] for d in case.data["nachreichung"]["dokumente"]] == ["Statik (1/2)", "Statik (2/2)"]
    assert len(open_task_ids(session_factory, case_id)) == 1  # "Nachgereichte Unterlagen prüfen"
    again = client.get(f"/ui/posteingang/{case_id}").get_data(as_text=True)
    assert "erwartete Eingang" not in again and "keinen Eingang" in again


def test_other_post_is_only_filed_and_the_case_keeps_waiting(client, authority, session_factory, waiting_case):
    case_id, aktenzeichen = waiting_case
    login(client, authority, "paula")
    response = _post(client, case_id, {"zuordnung": "akte", "betreff": "Rückfrage des Bauherrn",
                                       "dokumentart": "Nachricht"}, files=[("Brief.pdf", pdf_bytes())])
    assert response.status_code == 302
    assert _documents(session_factory, case_id) == [("Rückfrage des Bauherrn", "Nachricht", "incoming")]
    assert open_task_ids(session_factory, case_id) == []
    assert "Das ist der erwartete Eingang" in client.get(f"/ui/posteingang/{case_id}").get_data(as_text=True)


def test_missing_choices_and_bad_files_are_german_errors_and_nothing_is_filed(client, authority, session_factory,
                                                                              waiting_case):
    case_id, _ = waiting_case
    login(client, authority, "paula")
    empty = _post(client, case_id, {"zuordnung": "", "betreff": "", "dokumentart": "Unsinn"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422
    for message in ("Bitte wählen Sie, wozu der Eingang gehört.", "Bitte einen Betreff eingeben.",
                    "Bitte eine Dokumentart wählen.", "Bitte mindestens eine Datei auswählen.",
                    'href="#zuordnung"', "Bitte wählen Sie die Dateien erneut aus"):
        assert message in html
    unknown = _post(client, case_id, {"zuordnung": "nicht_erwartet", "betreff": "X", "dokumentart": "Bauvorlage"},
                    files=[("a.pdf", pdf_bytes())])
    assert unknown.status_code == 422
    zip_file = _post(client, case_id, {"zuordnung": "unterlagen_nachgereicht", "betreff": "Archiv",
                                       "dokumentart": "Bauvorlage"}, files=[("a.pdf", pdf_bytes()),
                                                                            ("archiv.pdf", b"PK\x03\x04" + bytes(100))])
    assert zip_file.status_code == 422
    assert "Datei „archiv.pdf“: Dateien vom Typ" in zip_file.get_data(as_text=True)
    assert _documents(session_factory, case_id) == [] and open_task_ids(session_factory, case_id) == []


def test_unknown_aktenzeichen_and_other_authorities_cases_are_not_found(client, authority, session_factory,
                                                                        waiting_case):
    login(client, authority, "paula")
    missing = client.get("/ui/posteingang", query_string={"aktenzeichen": "99.99-2026-999999"})
    assert missing.status_code == 404 and "keinen Vorgang" in missing.get_data(as_text=True)
    assert client.get("/ui/posteingang/does-not-exist").status_code == 404
