"""Case page with the E-Akte: documents, downloads, confidentiality, view logging, zdA and reopening, case operations;
uploads from the task page."""

import io
import re

import pikepdf
from sqlalchemy import select

from eakte import audit
from engine.db import transaction
from engine.models import Case, User
from processes import casefile
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user


def pdf_bytes(javascript: str | None = None) -> bytes:
    """Build a one-page PDF with pikepdf (optionally with an OpenAction JavaScript)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if javascript:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(javascript))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _claimed_task(app, client, authority, session_factory, roles=("clerk",)):
    ui_user(session_factory, authority, "sabine", roles=roles)
    with transaction(session_factory) as session:
        clerk_id = session.scalar(select(User.id).where(User.authority_id == authority.id, User.username == "sabine"))
    [case_id] = deploy_and_start(app, session_factory, clerk_id, new_key())
    login(client, authority, "sabine")
    task_id = open_task_ids(session_factory, case_id)[0]
    assert post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen").status_code == 302
    return case_id, task_id


def _upload(client, task_id, content: bytes, filename="Lageplan.pdf", **fields):
    data = {"betreff": "Lageplan", "dokumentart": "Bauvorlage", "richtung": "incoming",
            "datei": (io.BytesIO(content), filename)} | fields
    return post_form(client, f"/ui/aufgaben/{task_id}/dokumente", data, page_url=f"/ui/aufgaben/{task_id}",
                     content_type="multipart/form-data")


def _kinds(session_factory, case_id):
    with transaction(session_factory) as session:
        events, _ = audit.history(session, case_id, 0, 10_000)
        return [e.kind for e in events]


def test_upload_from_task_appears_in_task_and_case_and_downloads_are_logged(app, client, authority, session_factory):
    case_id, task_id = _claimed_task(app, client, authority, session_factory)
    content = pdf_bytes()
    response = _upload(client, task_id, content)
    assert response.status_code == 302 and response.location.endswith("#dokumente")
    task_page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "Dokument „Lageplan“ abgelegt (Lageplan.pdf)." in task_page
    documents_section = task_page.split('id="h-dokumente"')[1].split("</section>")[0]
    assert "Lageplan" in documents_section and "Bauvorlage" in documents_section and "Eingang" in documents_section

    before = _kinds(session_factory, case_id).count("case.viewed")
    case_page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert _kinds(session_factory, case_id).count("case.viewed") == before + 1
    with transaction(session_factory) as session:
        user = session.scalar(select(User).where(User.authority_id == authority.id, User.username == "sabine"))
        akte = casefile.file_of_case(session, user, case_id)
        aktenzeichen = akte.aktenzeichen
    assert f"<dd>{aktenzeichen}</dd>" in case_page and "Antrag prüfen" in case_page
    assert f"{len(content)} Byte" in case_page or " KB" in case_page
    history = case_page.split('id="h-historie"')[1]
    assert "<strong>Dokument abgelegt: Lageplan</strong>" in history  # the history names the document
    [link] = re.findall(
        r'href="(/ui/dokumente/[^"]+/versionen/1)"><span class="kern-sr-only">Lageplan, Version 1 </span>herunterladen',
        case_page)
    download = client.get(link)
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "application/pdf" and "Lageplan.pdf" in download.headers["Content-Disposition"]
    assert _kinds(session_factory, case_id).count("document.read") == 1


def test_pdf_with_active_content_serves_rendition_by_default_and_original_on_request(
        app, client, authority, session_factory):
    _, task_id = _claimed_task(app, client, authority, session_factory)
    original = pdf_bytes(javascript="app.alert('hallo')")
    assert _upload(client, task_id, original).status_code == 302
    task_page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    [rendition_link] = re.findall(
        r'href="(/ui/dokumente/[^"]+/versionen/1)"><span class="kern-sr-only">Lageplan, Version 1 </span>herunterladen',
        task_page)
    [original_link] = re.findall(r'href="(/ui/dokumente/[^"]+/versionen/1\?original=1)">Original wie eingegangen',
                                 task_page)
    rendition = client.get(rendition_link)
    assert rendition.data != original and b"app.alert" not in rendition.data
    assert rendition.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(original_link).data == original
    shown = client.get(rendition_link + "?ansehen=1")  # opened in the browser: the cleaned rendition, inline
    assert shown.data == rendition.data and shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"] == "inline; filename*=UTF-8''Lageplan.pdf"
    assert shown.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in shown.headers[
        "Content-Security-Policy"]


def test_rejected_upload_shows_german_message_next_to_the_field(app, client, authority, session_factory):
    _, task_id = _claimed_task(app, client, authority, session_factory)
    response = _upload(client, task_id, b"PK\x03\x04" + b"\x00" * 200, filename="archiv.pdf")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="datei-fehler"')[1].split("</ul>")[0]
    assert "Dateien vom Typ application/zip werden nicht angenommen" in error
    assert 'value="Lageplan"' in html  # the subject is kept
    missing = _upload(client, task_id, pdf_bytes(), betreff="", dokumentart="")
    assert missing.status_code == 422
    assert "Bitte einen Betreff eingeben." in missing.get_data(as_text=True)
    assert "Bitte eine Dokumentart wählen." in missing.get_data(as_text=True)
    assert "In dieser Aufgabe wurden noch keine Dokumente abgelegt." in missing.get_data(as_text=True)


def test_documents_the_user_may_not_open_are_listed_without_link(app, client, authority, session_factory):
    case_id, _ = _claimed_task(app, client, authority, session_factory)
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor",))
    with transaction(session_factory) as session:
        version = casefile.upload_document(
            session, app.extensions["document_store"], session.get(User, boss), case_id, data=pdf_bytes(),
            filename="geheim.pdf", subject="Geheimer Vermerk", doc_type="Vermerk", direction="internal",
            now=app.extensions["engine_context"].clock(), confidentiality="geheim",
        )
        document_id = version.dokument_id
    page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert "Geheimer Vermerk" in page
    assert "Sie dürfen dieses Dokument nicht öffnen (Vertraulichkeit „geheim“)." in page
    assert f"/ui/dokumente/{document_id}/" not in page
    refused = client.get(f"/ui/dokumente/{document_id}/versionen/1")
    assert refused.status_code == 403 and "Keine Berechtigung" in refused.get_data(as_text=True)
    assert "document.read" not in _kinds(session_factory, case_id)


def test_zda_needs_confirmation_and_ended_cases_and_reopening_needs_a_reason(app, client, authority, session_factory):
    case_id, task_id = _claimed_task(app, client, authority, session_factory, roles=("clerk", "supervisor"))
    page_url = f"/ui/akten/{case_id}"
    running = client.get(f"{page_url}/zda")
    assert running.status_code == 409
    assert "erst geschlossen werden, wenn alle ihre Vorgänge beendet sind: 1 Vorgang läuft noch" in running.get_data(
        as_text=True)
    assert "Akte jetzt schließen" not in running.get_data(as_text=True)
    refused = post_form(client, f"{page_url}/zda", {"bestaetigt": "ja"}, page_url=page_url)
    assert refused.status_code == 409
    assert "erst geschlossen werden, wenn alle ihre Vorgänge beendet sind" in refused.get_data(as_text=True)

    assert post_form(client, f"{page_url}/abbrechen", {"abbruchgrund": "Antrag zurückgezogen"},
                     page_url=page_url).status_code == 302
    assert 'href="/ui/akten/%s/zda"' % case_id in client.get(page_url).get_data(as_text=True)
    confirm = client.get(f"{page_url}/zda")
    assert confirm.status_code == 200 and "Akte jetzt schließen" in confirm.get_data(as_text=True)
    unconfirmed = post_form(client, f"{page_url}/zda", page_url=page_url)
    assert unconfirmed.status_code == 422
    assert "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    closed = post_form(client, f"{page_url}/zda", {"bestaetigt": "ja"}, page_url=f"{page_url}/zda",
                       follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert "ist geschlossen (zdA) und jetzt schreibgeschützt" in html and "geschlossen (zdA) seit" in html
    assert "Akte wieder öffnen" in html and "Akte schließen …" not in html
    again = post_form(client, f"{page_url}/zda", {"bestaetigt": "ja"}, page_url=page_url)
    assert again.status_code == 409 and "bereits geschlossen (zdA)" in again.get_data(as_text=True)

    no_reason = post_form(client, f"{page_url}/wiedereroeffnen", {"grund": " "}, page_url=page_url)
    assert no_reason.status_code == 422 and "Bitte geben Sie einen Grund" in no_reason.get_data(as_text=True)
    reopened = post_form(client, f"{page_url}/wiedereroeffnen", {"grund": "Widerspruch eingegangen"},
                         page_url=page_url, follow_redirects=True)
    assert "ist wieder geöffnet" in reopened.get_data(as_text=True)
    twice = post_form(client, f"{page_url}/wiedereroeffnen", {"grund": "nochmal"}, page_url=page_url)
    assert twice.status_code == 409 and "nur geschlossene Akten" in twice.get_data(as_text=True)


def test_clerk_sees_no_reopen_and_may_not_reopen(app, client, authority, session_factory):
    case_id, _ = _claimed_task(app, client, authority, session_factory)
    page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert "Vorgang steuern" not in page
    assert "erst geschlossen werden, wenn alle ihre Vorgänge beendet sind" in page  # why zdA is not offered
    refused = post_form(client, f"/ui/akten/{case_id}/wiedereroeffnen", {"grund": "x"}, page_url=f"/ui/akten/{case_id}")
    assert refused.status_code == 403
    assert post_form(client, f"/ui/akten/{case_id}/anhalten", {"begruendung": "x"},
                     page_url=f"/ui/akten/{case_id}").status_code == 403
    assert client.get(f"/ui/akten/{case_id}/abbrechen").status_code == 403


def test_supervisor_suspends_resumes_and_cancels_with_reasons(app, client, authority, session_factory):
    case_id, _ = _claimed_task(app, client, authority, session_factory, roles=("clerk", "supervisor"))
    page_url = f"/ui/akten/{case_id}"

    def status():
        with transaction(session_factory) as session:
            return session.get(Case, case_id).status

    no_reason = post_form(client, f"{page_url}/anhalten", {"begruendung": ""}, page_url=page_url)
    assert no_reason.status_code == 422 and "Bitte geben Sie eine Begründung an." in no_reason.get_data(as_text=True)
    assert status() == "running"
    suspended = post_form(client, f"{page_url}/anhalten", {"begruendung": "Rückfrage beim Bauamt"}, page_url=page_url,
                          follow_redirects=True)
    html = suspended.get_data(as_text=True)
    assert "Der Vorgang ist angehalten." in html and "Vorgang fortsetzen" in html and status() == "suspended"
    assert "Begründung: „Rückfrage beim Bauamt“" in html
    twice = post_form(client, f"{page_url}/anhalten", {"begruendung": "nochmal"}, page_url=page_url)
    assert twice.status_code == 409 and "Nur laufende Vorgänge können angehalten werden." in twice.get_data(as_text=True)
    assert post_form(client, f"{page_url}/fortsetzen", {"begruendung": "geklärt"}, page_url=page_url).status_code == 302
    assert status() == "running"

    confirm = client.get(f"{page_url}/abbrechen").get_data(as_text=True)
    assert "Grund des Abbruchs" in confirm and "Vorgang endgültig abbrechen" in confirm
    no_reason = post_form(client, f"{page_url}/abbrechen", {"begruendung": "das Feld der anderen Aktionen"},
                          page_url=page_url)
    assert no_reason.status_code == 422 and status() == "running"
    assert "Bitte geben Sie an, warum der Vorgang abgebrochen wird." in no_reason.get_data(as_text=True)
    assert post_form(client, f"{page_url}/abbrechen", {"abbruchgrund": "zurückgezogen"},
                     page_url=page_url).status_code == 302
    assert status() == "cancelled"
    page = client.get(page_url).get_data(as_text=True)
    assert "Vorgang steuern" not in page and "Begründung: „zurückgezogen“" in page
    ended = client.get(f"{page_url}/abbrechen")
    assert ended.status_code == 409 and "bereits beendet" in ended.get_data(as_text=True)
    kinds = _kinds(session_factory, case_id)
    assert ["case.suspended", "case.resumed", "case.cancelled"] == [k for k in kinds if k in (
        "case.suspended", "case.resumed", "case.cancelled")]
