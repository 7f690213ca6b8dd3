"""Disposal with the archive in the administration pages: offer (0501), appraisal (0502), hand-over (0503), import
confirmation (0506) and destruction, each with its page; refusals in German, nothing changed."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from eakte.models import Akte, AuditEvent
from eakte.xdomea import validate_xdomea
from engine.db import transaction
from tests.eakte import factories, xdomea_messages
from tests.web.ui_helpers import login, post_form, ui_user

pytestmark = pytest.mark.core


@pytest.fixture
def due_file(app, authority, session_factory):
    """A closed A file (closed 2015, one year retention) with documents in the app's document store."""
    with transaction(session_factory) as session:
        unit = factories.make_unit(session, authority.id, code="80.01", disposal_code="A", retention_years=1)
        akte = factories.make_full_akte(session, app.extensions["document_store"], unit)
        return akte.id, akte.aktenzeichen


@pytest.fixture
def admin(app, authority, session_factory):
    ui_user(session_factory, authority, "registratur", roles=("admin",), groups=())
    client = app.test_client()
    login(client, authority, "registratur")
    return client


def _upload(client, url, field, data: bytes, name: str):
    page = client.get("/ui/verwaltung/aussonderung").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    return client.post(url, data={"csrf_token": token, field: (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _state(client, aktenzeichen):
    page = client.get("/ui/verwaltung/aussonderung").get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td[^>]*>.*?</td>\s*<td[^>]*>{re.escape(aktenzeichen)}</td>(.*?)</tr>", page, re.S)
    return row[1] if row else None


def test_a_file_goes_through_offer_appraisal_hand_over_confirmation_and_destruction(admin, due_file,
                                                                                     session_factory):
    akte_id, aktenzeichen = due_file
    assert "noch nicht angeboten" in _state(admin, aktenzeichen)

    confirm = admin.get(f"/ui/verwaltung/aussonderung/anbieten?akte={aktenzeichen}")
    assert confirm.status_code == 200 and aktenzeichen in confirm.get_data(as_text=True)
    assert "noch nicht angeboten" in _state(admin, aktenzeichen)  # the confirmation page changes nothing
    offered = post_form(admin, "/ui/verwaltung/aussonderung/anbieten",
                        {"akte": aktenzeichen, "archiv": "Landesarchiv Mecklenburg-Vorpommern"},
                        page_url="/ui/verwaltung/aussonderung")
    html = offered.get_data(as_text=True)
    assert offered.status_code == 200, html
    process_id = re.search(r'id="prozess-id">([^<]+)<', html)[1]
    message = base64.b64decode(re.search(r'href="data:application/xml;base64,([^"]+)"', html)[1])
    assert validate_xdomea(message) == [] and akte_id.encode() in message
    assert "Bewertung des Archivs steht aus" in _state(admin, aktenzeichen)

    appraised = _upload(admin, "/ui/verwaltung/aussonderung/bewertung", "bewertung",
                        xdomea_messages.appraisal(process_id, [(akte_id, "A")]), "0502.xml")
    assert appraised.status_code == 200 and "archivwürdig (A)" in appraised.get_data(as_text=True)
    assert "an das Archiv abgeben" in _state(admin, aktenzeichen)

    url = f"/ui/verwaltung/aussonderung/abgeben/{akte_id}"
    assert "Abgabepaket erstellen" in admin.get(url).get_data(as_text=True)
    package = post_form(admin, url, {"archiv": "Landesarchiv Mecklenburg-Vorpommern"}, page_url=url)
    assert package.status_code == 200 and package.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    package.close()
    handover_process = next(n for n in names if n.endswith("0503.xml")).split("_")[0]
    state = _state(admin, aktenzeichen)
    assert "Importbestätigung des Archivs steht aus" in state and handover_process in state

    confirmed = _upload(admin, "/ui/verwaltung/aussonderung/importbestaetigung", "bestaetigung",
                        xdomea_messages.import_confirmation(handover_process, [(akte_id, True, "LAMV 7/1")]),
                        "0506.xml")
    assert confirmed.status_code == 200 and "LAMV 7/1" in confirmed.get_data(as_text=True)
    assert "kann vernichtet werden" in _state(admin, aktenzeichen)

    url = f"/ui/verwaltung/aussonderung/vernichten/{akte_id}"
    assert "endgültig" in admin.get(url).get_data(as_text=True)
    unconfirmed = post_form(admin, url, {}, page_url=url)
    assert unconfirmed.status_code == 422 and "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    destroyed = post_form(admin, url, {"bestaetigt": "1"}, page_url=url)
    assert destroyed.status_code == 200 and "ist vernichtet" in destroyed.get_data(as_text=True)
    assert _state(admin, aktenzeichen) is None
    with transaction(session_factory) as session:
        assert session.get(Akte, akte_id).status == "disposed"
        kinds = set(session.scalars(select(AuditEvent.kind).where(AuditEvent.stream == f"akte/{akte_id}")))
    assert {"akte.offered", "akte.appraised", "akte.exported", "akte.archive_confirmed", "akte.destroyed"} <= kinds
    log = admin.get("/ui/verwaltung/protokoll").get_data(as_text=True)
    for step in ("Akten dem Archiv angeboten (0501)", "Bewertung des Archivs übernommen (0502)",
                 "Akte an das Archiv abgegeben (0503)", "Übernahme durch das Archiv bestätigt", "Akte vernichtet",
                 f"Prozess-ID: {process_id}", "Zeichen des Archivs: LAMV 7/1"):
        assert step in log, step


def test_refused_steps_say_why_in_german_and_change_nothing(admin, due_file, session_factory):
    akte_id, aktenzeichen = due_file
    early = post_form(admin, f"/ui/verwaltung/aussonderung/vernichten/{akte_id}", {"bestaetigt": "1"},
                      page_url="/ui/verwaltung/aussonderung")
    assert early.status_code == 422 and "erst vernichtet werden" in early.get_data(as_text=True)
    foreign = _upload(admin, "/ui/verwaltung/aussonderung/bewertung", "bewertung",
                      xdomea_messages.appraisal("00000000-0000-4000-8000-000000000000", [(akte_id, "V")]), "0502.xml")
    assert foreign.status_code == 422 and "keine Anbietung Ihrer Behörde" in foreign.get_data(as_text=True)
    broken = _upload(admin, "/ui/verwaltung/aussonderung/importbestaetigung", "bestaetigung", b"<kaputt", "0506.xml")
    assert broken.status_code == 422 and "keine gültige xdomea-Nachricht" in broken.get_data(as_text=True)
    bomb = _upload(admin, "/ui/verwaltung/aussonderung/bewertung", "bewertung",
                   b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "0502.xml")
    assert bomb.status_code == 422
    none = post_form(admin, "/ui/verwaltung/aussonderung/bewertung", {}, page_url="/ui/verwaltung/aussonderung")
    assert none.status_code == 422 and "genau eine XML-Datei" in none.get_data(as_text=True)
    assert admin.get("/ui/verwaltung/aussonderung/anbieten").status_code == 422
    assert "noch nicht angeboten" in _state(admin, aktenzeichen)
    with transaction(session_factory) as session:
        assert session.get(Akte, akte_id).status == "closed"


def test_files_of_another_authority_are_not_found(app, due_file, other_authority, session_factory):
    akte_id, aktenzeichen = due_file
    ui_user(session_factory, other_authority, "fremd", roles=("admin",), groups=())
    stranger = app.test_client()
    login(stranger, other_authority, "fremd")
    assert aktenzeichen not in stranger.get("/ui/verwaltung/aussonderung").get_data(as_text=True)
    for url in (f"/ui/verwaltung/aussonderung/abgeben/{akte_id}", f"/ui/verwaltung/aussonderung/vernichten/{akte_id}"):
        assert stranger.get(url).status_code == 404
        assert post_form(stranger, url, {"bestaetigt": "1", "archiv": "X"}, page_url="/ui/verwaltung").status_code == 404
    offered = post_form(stranger, "/ui/verwaltung/aussonderung/anbieten", {"akte": aktenzeichen, "archiv": "X"},
                        page_url="/ui/verwaltung")
    assert offered.status_code == 422
    with transaction(session_factory) as session:
        assert session.get(Akte, akte_id).status == "closed"
