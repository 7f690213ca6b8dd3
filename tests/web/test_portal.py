"""The applicant portal with the test client: eID sign-in, own cases only, documents handed in, marriage registration."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from processes.portal.models import ApplicantAccount, CaseLink
from tests.eakte import pdf_samples
from tests.support.online import running_online_installation
from tests.support.portal import PermitCase, csrf_of, sign_in

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def inst(backend, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        with running_online_installation(tmp_path_factory.mktemp("portal"), backend, monkeypatch) as running:
            yield running


@pytest.fixture(scope="module")
def cases(inst):
    """A building permit of Erika waiting for documents, and one of Jens."""
    erika = PermitCase.received(inst, "erika")
    erika.request_documents()
    return {"erika": erika, "jens": PermitCase.received(inst, "jens")}


def test_landing_page_offers_the_sign_in_and_pages_need_it(inst):
    client = inst.client
    landing = client.get("/buerger/").get_data(as_text=True)
    assert "Mit Nutzerkonto anmelden" in landing and 'lang="de"' in landing
    protected = client.get("/buerger/antraege")
    assert protected.status_code == 302 and protected.location.startswith("/buerger/anmelden?next=")
    assert client.get("/buerger/gibt-es-nicht").status_code == 404


def test_applicant_sees_only_their_own_cases(inst, cases):
    client = inst.client
    signed_in = sign_in(client, "erika")
    assert signed_in.status_code == 302 and signed_in.location == "/buerger/antraege"
    listing = client.get("/buerger/antraege").get_data(as_text=True)
    erika, jens = cases["erika"], cases["jens"]
    assert erika.id in listing and jens.id not in listing
    assert "Unterlagen fehlen" in listing and "Angemeldet als Erika Müller" in listing
    foreign = client.get(f"/buerger/antraege/{jens.id}")
    assert foreign.status_code == 404 and "gehört nicht zu Ihrem Konto" in foreign.get_data(as_text=True)
    assert client.get(f"/buerger/antraege/{jens.id}/bescheide/x").status_code == 404
    page = client.get(f"/buerger/antraege/{erika.id}").get_data(as_text=True)
    token = csrf_of(page)
    refused = client.post(f"/buerger/antraege/{jens.id}/unterlagen", data={
        "csrf_token": token, "dateien": (io.BytesIO(pdf_samples.clean()), "x.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 404
    assert jens.open_tasks() == ["vollstaendigkeit_pruefen"]  # nothing reached Jens' case

    other = inst.app.test_client()
    sign_in(other, "jens")
    assert erika.id not in other.get("/buerger/antraege").get_data(as_text=True)


def test_a_weak_identification_is_refused_and_only_the_pseudonym_is_kept(inst):
    client = inst.client
    refused = sign_in(client, "anna", assurance="niedrig")
    assert refused.status_code == 403 and "Vertrauensniveau" in refused.get_data(as_text=True)
    assert client.get("/buerger/antraege").status_code == 302
    cancelled = sign_in(client, "anna", action="cancel")
    assert cancelled.status_code == 302 and client.get("/buerger/").get_data(as_text=True).count("abgebrochen") == 1
    sign_in(client, "anna", assurance="hoch")
    with transaction(inst.sessions) as session:
        account = session.scalar(select(ApplicantAccount).where(
            ApplicantAccount.subject == inst.online.eid.pseudonym("anna")))
        assert account.assurance == "hoch" and account.last_login_at is not None
        columns = set(ApplicantAccount.__table__.columns.keys())
        assert columns == {"id", "issuer", "subject", "assurance", "created_at", "last_login_at", "signed_out_at"}


def test_requested_documents_are_handed_in_and_the_waiting_case_goes_on(inst, cases):
    client, erika = inst.app.test_client(), cases["erika"]
    sign_in(client, "erika")
    page = client.get(f"/buerger/antraege/{erika.id}").get_data(as_text=True)
    assert "Für Ihren Antrag fehlen Unterlagen. Es fehlt: Standsicherheitsnachweis (Statik)" in page
    assert "Frist für die Unterlagen" in page and "Unterlagen einreichen" in page
    token = csrf_of(page)
    url = f"/buerger/antraege/{erika.id}/unterlagen"
    empty = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Bitte wählen Sie mindestens eine Datei aus." in empty.get_data(as_text=True)
    archive = client.post(url, data={"csrf_token": token, "dateien": (io.BytesIO(pdf_samples.zip_file()), "statik.pdf")},
                          content_type="multipart/form-data")
    assert archive.status_code == 422 and "wird nicht angenommen" in archive.get_data(as_text=True)
    assert erika.open_tasks() == []
    sent = client.post(url, data={"csrf_token": token, "hinweis": "Statik von Ing.-Büro Krause",
                                  "dateien": [(io.BytesIO(pdf_samples.clean() + b"%Statik"), "Statik.pdf")]},
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    inst.drain()
    assert erika.open_tasks() == ["vollstaendigkeit_pruefen"]
    data = erika.get()["data"]
    assert data["nachreichung"]["hinweis"] == "Statik von Ing.-Büro Krause"
    assert data["nachreichung"]["dokumente"][0]["betreff"] == "Nachgereicht: Statik"
    page = client.get(f"/buerger/antraege/{erika.id}").get_data(as_text=True)
    assert "Ihre Unterlagen sind eingegangen (Statik.pdf)" in page and "Unterlagen einreichen" not in page
    again = client.post(url, data={"csrf_token": token, "dateien": (io.BytesIO(pdf_samples.clean()), "y.pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 409 and "keine Unterlagen angefordert" in again.get_data(as_text=True)


def test_marriage_is_registered_in_the_portal(inst):
    client = inst.app.test_client()
    sign_in(client, "anna", assurance="hoch")
    form = client.get("/buerger/eheschliessung").get_data(as_text=True)
    assert 'value="Schulz"' in form and 'value="1992-01-23"' in form  # partner 1 from the eID attributes
    token = csrf_of(form)
    partner_1 = {"p1_familienname": "Schulz", "p1_vornamen": "Anna Marie", "p1_geburtsdatum": "1992-01-23",
                 "p1_geburtsort": "Wismar", "p1_strasse": "Mecklenburgstraße 40", "p1_plz": "19053", "p1_ort": "Schwerin"}
    incomplete = client.post("/buerger/eheschliessung", data={"csrf_token": token, **partner_1,
                                                              "standesamt": inst.slug, "p2_plz": "1906"})
    html = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 422 and "Bitte prüfen Sie Ihre Eingaben" in html
    assert "Bitte geben Sie den Familiennamen der zweiten Person an." in html and "fünf Ziffern" in html
    assert 'value="Anna Marie"' in html  # what was entered comes back
    partner_2 = {"p2_familienname": "Yılmaz", "p2_vornamen": "Mehmet", "p2_geburtsdatum": "1989-11-02",
                 "p2_geburtsort": "Hamburg", "p2_strasse": "Ziolkowskistraße 14", "p2_plz": "19063", "p2_ort": "Schwerin"}
    done = client.post("/buerger/eheschliessung", data={"csrf_token": token, "standesamt": inst.slug, **partner_1,
                                                        **partner_2})
    assert done.status_code == 303, done.get_data(as_text=True)
    case_id = done.location.rsplit("/", 1)[1]
    with transaction(inst.sessions) as session:
        case = session.get(Case, case_id)
        assert case.definition.key == "eheschliessung" and case.channel == "portal"
        assert case.data["partner_2"]["family_name"] == "Yılmaz" and case.business_key.startswith("34.02-")
        link = session.scalar(select(CaseLink).where(CaseLink.case_id == case_id))
        assert link.channel == "portal"
    page = client.get(done.location).get_data(as_text=True)
    assert "Ihre Anmeldung ist eingegangen. Ihr Aktenzeichen lautet 34.02-" in page
    assert "Das Standesamt prüft Ihre Unterlagen" in page


def test_signing_out_ends_every_copy_of_the_session(inst, cases):
    client = inst.app.test_client()
    sign_in(client, "erika")
    copy = inst.app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert copy.get("/buerger/antraege").status_code == 200  # the copied cookie works ...
    page = client.get("/buerger/antraege").get_data(as_text=True)
    assert client.post("/buerger/abmelden", data={"csrf_token": csrf_of(page)}).status_code == 302
    assert client.get("/buerger/antraege").status_code == 302
    assert copy.get("/buerger/antraege").status_code == 302  # ... until the applicant signs out
    sign_in(client, "erika")
    assert client.get("/buerger/antraege").status_code == 200  # a new sign-in counts again
