"""Neuer Vorgang: a clerk of the start event's group starts a case with the start form, channel and attachments."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from eakte import akten
from eakte.models import Dokument
from engine.db import transaction
from engine.models import Case, User
from engine import definitions
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import login, post_form, ui_user

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
BIRTH = {
    "betreff": "Geburt Lena Müller", "kanal": "counter",
    "kind.sex": "weiblich", "kind.birth_date": "2026-02-14", "kind.birth_time": "08:12", "kind.birth_place": "Schwerin",
    "kind.facility": "Helios Kliniken Schwerin",
    "mutter.family_name": "Müller", "mutter.given_names": "Erika", "mutter.birth_date": "12.04.1978",
    "mutter.birth_place": "Schwerin", "anzeigende_stelle": "Helios Kliniken Schwerin",
}


def deploy_bundled(app, session_factory, user_id: str, procedure: str) -> None:
    files = {p.name: p.read_bytes() for p in (BPMN / procedure).iterdir()}  # the whole package
    with transaction(session_factory) as session:  # the specialist systems' connectors are not configured here
        definitions.deploy(session, files, authority_id=session.get(User, user_id).authority_id, deployed_by="test")


def test_clerk_of_the_group_starts_a_birth_case_at_the_counter(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "sabine", roles=("clerk", "modeller"), groups=("Standesamt",))
    deploy_bundled(app, session_factory, clerk, "geburt")
    login(client, authority, "sabine")
    listing = client.get("/ui/neuer-vorgang").get_data(as_text=True)
    assert "Beurkundung einer Geburt" in listing and "/ui/neuer-vorgang/geburt" in listing
    page = client.get("/ui/neuer-vorgang/geburt").get_data(as_text=True)
    assert '<legend class="kern-label">Mutter</legend>' in page and 'type="date"' in page

    bad = post_form(client, "/ui/neuer-vorgang/geburt", {**BIRTH, "mutter.birth_date": "31.02.1978", "kanal": ""},
                    page_url="/ui/neuer-vorgang/geburt")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Bitte wählen Sie, wie der Antrag eingegangen ist." in html
    assert 'href="#feld-mutter-birth_date"' in html and "Bitte ein gültiges Datum eingeben" in html
    assert 'value="Helios Kliniken Schwerin"' in html and 'value="Geburt Lena Müller"' in html  # every value kept

    ok = post_form(client, "/ui/neuer-vorgang/geburt", {
        **BIRTH, "anlagen": [(io.BytesIO(pdf_bytes()), "Geburtsbescheinigung.pdf")]},
        page_url="/ui/neuer-vorgang/geburt", content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)
    with transaction(session_factory) as session:
        case = session.scalar(select(Case).where(Case.authority_id == authority.id))
        assert case.channel == "counter" and case.subject == "Geburt Lena Müller"
        assert case.data["mutter"] == {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-12",
                                       "birth_place": "Schwerin"}
        assert case.data["kind"]["birth_time"] == "08:12" and "vater" not in case.data
        vorgang = akten.vorgang_of_case(session, case.id)
        [document] = session.scalars(select(Dokument).where(Dokument.vorgang_id == vorgang.id,
                                                            Dokument.subject == "Geburtsbescheinigung")).all()
        assert document.direction == "incoming" and document.doc_type == "Antrag"
    case_page = client.get(ok.location).get_data(as_text=True)
    assert "Geburtsanzeige prüfen" in case_page and "<dt>Eingang über</dt><dd>Schalter / vor Ort</dd>" in case_page


def test_only_clerks_of_the_start_group_see_and_start_the_procedure(app, client, authority, session_factory):
    modeller = ui_user(session_factory, authority, "mia", roles=("modeller",), groups=())
    deploy_bundled(app, session_factory, modeller, "geburt")
    ui_user(session_factory, authority, "bert", roles=("clerk",), groups=("Bauaufsicht",))
    login(client, authority, "bert")
    assert "Beurkundung einer Geburt" not in client.get("/ui/neuer-vorgang").get_data(as_text=True)
    assert client.get("/ui/neuer-vorgang/geburt").status_code == 403


def test_paper_building_application_has_the_portal_shape(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "paula", roles=("clerk", "modeller"), groups=("Posteingang",))
    deploy_bundled(app, session_factory, clerk, "baugenehmigung")
    login(client, authority, "paula")
    url = "/ui/neuer-vorgang/baugenehmigung"
    response = post_form(client, url, {
        "betreff": "Carport (Erika Mustermann)", "kanal": "paper", "antragsteller.type": "person",
        "antragsteller.name": "Erika Mustermann", "antragsteller.address.street": "Am Markt 1",
        "antragsteller.address.postal_code": "19055", "antragsteller.address.city": "Schwerin",
        "vorhaben.description": "Carport", "vorhaben.type": "Errichtung",
        "grundstueck.gemarkung": "Schwerin", "grundstueck.flur": "3", "grundstueck.flurstueck": "17/2",
        "anlagen": [(io.BytesIO(pdf_bytes()), "Lageplan.pdf")]}, page_url=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with transaction(session_factory) as session:
        case = session.scalar(select(Case).where(Case.authority_id == authority.id))
        assert case.channel == "paper"
        assert case.data["eingang"] == {"channel": "paper"} and case.data["weitere_grundstuecke"] == []
        assert case.data["antragsteller"]["address"]["postal_code"] == "19055"
        assert case.data["anlagen"] == [{"title": "Lageplan", "filename": "Lageplan.pdf", "kind": None,
                                         "status": "received", "link": None}]


def test_a_start_form_deployed_with_the_model_is_offered(app, client, authority, session_factory):
    from tests.conftest import unique_key
    from tests.engine.forms.helpers import model_files

    clerk = ui_user(session_factory, authority, "carla", roles=("clerk",), groups=("Sachbearbeitung",))
    key = unique_key("formjs")
    with transaction(session_factory) as session:
        definitions.deploy(session, model_files("antrag_c8", key), authority_id=session.get(User, clerk).authority_id,
                           deployed_by="test")
    login(client, authority, "carla")
    assert "Antrag (Camunda 8)" in client.get("/ui/neuer-vorgang").get_data(as_text=True)
    url = f"/ui/neuer-vorgang/{key}"
    response = post_form(client, url, {"betreff": "Antrag Mustermann", "kanal": "email", "antragsteller": "Erika",
                                       "anschrift.strasse": "Am Markt 1", "anschrift.plz": "1905",
                                       "anschrift.ort": "Schwerin"}, page_url=url)
    assert response.status_code == 422 and "Postleitzahl: Bitte fünf Ziffern eingeben." in response.get_data(as_text=True)
    response = post_form(client, url, {"betreff": "Antrag Mustermann", "kanal": "email", "antragsteller": "Erika",
                                       "anschrift.strasse": "Am Markt 1", "anschrift.plz": "19055",
                                       "anschrift.ort": "Schwerin"}, page_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)
    with transaction(session_factory) as session:
        case = session.scalar(select(Case).where(Case.authority_id == authority.id))
        assert case.channel == "email"
        assert case.data == {"antragsteller": "Erika", "anschrift": {"strasse": "Am Markt 1", "plz": "19055",
                                                                       "ort": "Schwerin"}}


def test_a_procedure_without_a_start_form_starts_with_subject_and_channel(app, client, authority, session_factory):
    from pathlib import Path as _Path

    from engine.models import UserTask
    from tests.conftest import unique_key
    from tests.web.ui_helpers import ui_model

    clerk = ui_user(session_factory, authority, "theo", roles=("clerk",), groups=("Sachbearbeitung",))
    key, by_message = unique_key("ohneform"), unique_key("nachricht")
    message_model = (_Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "bg_message_start.bpmn").read_bytes()
    with transaction(session_factory) as session:
        authority_id = session.get(User, clerk).authority_id
        definitions.deploy(session, {f"{key}.bpmn": ui_model(key)}, authority_id=authority_id, deployed_by="test")
        definitions.deploy(session, {"m.bpmn": message_model.replace(b'id="bg_message_start"',
                                                                     f'id="{by_message}"'.encode())},
                           authority_id=authority_id, deployed_by="test")
    login(client, authority, "theo")
    listing = client.get("/ui/neuer-vorgang").get_data(as_text=True)
    assert f"/ui/neuer-vorgang/{key}" in listing and f"/ui/neuer-vorgang/{by_message}" not in listing
    assert client.get(f"/ui/neuer-vorgang/{by_message}").status_code == 404  # only a message starts it
    url = f"/ui/neuer-vorgang/{key}"
    page = client.get(url).get_data(as_text=True)
    assert "Dieses Verfahren hat kein Startformular" in page
    refused = post_form(client, url, {"betreff": "", "kanal": "paper"}, page_url=url)
    assert refused.status_code == 422 and "Bitte einen Betreff eingeben." in refused.get_data(as_text=True)
    started = post_form(client, url, {"betreff": "Antrag per Brief", "kanal": "paper",
                                      "anlagen": [(io.BytesIO(pdf_bytes()), "Brief.pdf")]},
                        page_url=url, content_type="multipart/form-data")
    assert started.status_code == 302, started.get_data(as_text=True)
    with transaction(session_factory) as session:
        case = session.scalar(select(Case).where(Case.authority_id == authority.id))
        assert (case.subject, case.channel, case.definition.key) == ("Antrag per Brief", "paper", key)
        assert session.scalar(select(UserTask.bpmn_id).where(UserTask.case_id == case.id)) == "pruefen"
