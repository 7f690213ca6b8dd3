"""Case page section "Zustellungen": deliveries with their times and status, and a clerk delivering a notice by link."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from eakte import zustellung
from eakte.dokumente import get_version
from eakte.models import Akte, Dokument, Vorgang, Zustellung
from engine import runner
from engine.db import transaction
from engine.models import User
from processes import casefile
from tests.web.test_ui_case_file import pdf_bytes
from tests.web.ui_helpers import deploy_and_start, login, new_key, post_form, ui_user

pytestmark = pytest.mark.core

MADE_AVAILABLE = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 10:00 in Schwerin (CET)
RECIPIENT = "Erika Mustermann, Am Markt 1, 19055 Schwerin"
EXPIRED_TEXT = "nicht abgerufen – Frist abgelaufen, bitte auf anderem Weg bekannt geben"


@pytest.fixture()
def clock(app, monkeypatch):
    """Set the engine's clock (pages, the form and downloads read it): ``clock(moment)``."""
    ctx = app.extensions["engine_context"]

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(ctx, "clock", lambda: moment)

    set_to(MADE_AVAILABLE)
    return set_to


@pytest.fixture()
def world(app, client, authority, session_factory, clock):
    """A logged-in clerk with a case whose file holds a Bescheid (outgoing) and the Antrag (incoming)."""
    clerk_id = ui_user(session_factory, authority, "sabine")
    [case_id] = deploy_and_start(app, session_factory, clerk_id, new_key())
    bescheid = _file_document(app, session_factory, clerk_id, case_id, subject="Baugenehmigung Carport")
    with transaction(session_factory) as session:
        antrag = session.scalar(select(Dokument.id).join(Vorgang, Vorgang.id == Dokument.vorgang_id)
                                .where(Vorgang.case_id == case_id, Dokument.doc_type == "Antrag"))
    assert login(client, authority, "sabine").status_code == 302
    return {"clerk": clerk_id, "case": case_id, "bescheid": bescheid, "antrag": antrag,
            "page": f"/ui/akten/{case_id}"}


def _file_document(app, session_factory, user_id, case_id, *, subject, doc_type="Bescheid", direction="outgoing",
                   confidentiality=None) -> str:
    with transaction(session_factory) as session:
        version = casefile.upload_document(
            session, app.extensions["document_store"], session.get(User, user_id), case_id, data=pdf_bytes(),
            filename=f"{subject}.pdf", subject=subject, doc_type=doc_type, direction=direction,
            now=MADE_AVAILABLE, confidentiality=confidentiality)
        return version.dokument_id


def _make_available(session_factory, authority, dokument_id, ttl_days=10) -> str:
    """Deliver as a procedure would (straight through the E-Akte service); return the link token."""
    with transaction(session_factory) as session:
        version = get_version(session, authority.id, dokument_id)
        _, token = zustellung.make_available(session, version, recipient=RECIPIENT, now=MADE_AVAILABLE,
                                             ttl_days=ttl_days, actor="system")
        return token


def _section(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('id="h-zustellungen"')[1].split("</section>")[0]


def _rows(section: str) -> list[list[str]]:
    """Return the cells of the deliveries table as text."""
    body = section.split("<tbody>")[1].split("</tbody>")[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _deliver(client, world, **fields):
    data = {"dokument": world["bescheid"], "empfaenger": RECIPIENT, "tage": "10"} | fields
    return post_form(client, f"{world['page']}/zustellungen", data, page_url=world["page"])


def _delivery_count(session_factory, authority) -> int:
    with transaction(session_factory) as session:
        return session.scalar(select(func.count()).select_from(Zustellung).join(Akte, Akte.id == Zustellung.akte_id)
                              .where(Akte.authority_id == authority.id))


def test_section_says_so_when_nothing_was_delivered(client, world):
    section = _section(client.get(world["page"]))
    assert "Aus dieser Akte wurde noch nichts zum Abruf bereitgestellt." in section
    assert "<table" not in section and "Zum Abruf bereitstellen</button>" in section


def test_section_lists_a_delivery_with_its_times_and_status(client, world, session_factory, authority, clock):
    _make_available(session_factory, authority, world["bescheid"])
    clock(MADE_AVAILABLE + timedelta(hours=2))
    section = _section(client.get(world["page"]))
    assert '<th scope="col">Erster Abruf (Bekanntgabe durch Abruf)</th>' in section
    assert re.search(r"<caption>Zustellungen der Akte [^<]+ zum Abruf</caption>", section)
    assert _rows(section) == [["Baugenehmigung Carport, Version 1", RECIPIENT, "02.03.2026 10:00 von System",
                               "12.03.2026 10:00", "–", "0", "zum Abruf bereit"]]


def test_a_download_through_the_link_shows_the_first_fetch_as_notification(client, world, session_factory, authority,
                                                                           clock):
    token = _make_available(session_factory, authority, world["bescheid"])
    clock(MADE_AVAILABLE + timedelta(days=3, hours=5, minutes=30))  # 05.03.2026 15:30 in Schwerin
    assert client.get(f"/api/v1/delivery/{token}/content").status_code == 200
    clock(MADE_AVAILABLE + timedelta(days=4))
    assert client.get(f"/api/v1/delivery/{token}/content").status_code == 200
    [row] = _rows(_section(client.get(world["page"])))
    assert row[4:] == ["05.03.2026 15:30", "2", "abgerufen"]


def test_an_unfetched_delivery_past_its_period_asks_for_another_way(client, world, session_factory, authority, clock):
    token = _make_available(session_factory, authority, world["bescheid"], ttl_days=10)
    clock(MADE_AVAILABLE + timedelta(days=10) - timedelta(minutes=1))
    assert _rows(_section(client.get(world["page"])))[0][6] == "zum Abruf bereit"
    clock(MADE_AVAILABLE + timedelta(days=10))
    [row] = _rows(_section(client.get(world["page"])))
    assert row[4:] == ["–", "0", EXPIRED_TEXT]
    assert client.get(f"/api/v1/delivery/{token}/content").status_code == 404  # the page agrees with the link


def test_clerk_delivers_a_notice_and_the_link_shown_once_downloads_it(client, world, session_factory, authority,
                                                                      clock, app):
    response = _deliver(client, world, tage="14")
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Dieser Link wird nur jetzt und nur einmal angezeigt." in page
    assert "senden Sie ihn der Empfängerin oder dem Empfänger" in page
    [link] = re.findall(r'id="abruf-link" value="([^"]+)"', page)
    token = link.rsplit("/", 2)[1]
    assert link == f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/api/v1/delivery/{token}/content"
    assert _rows(_section(response)) == [["Baugenehmigung Carport, Version 1", RECIPIENT, "02.03.2026 10:00 von sabine",
                                          "16.03.2026 10:00", "–", "0", "zum Abruf bereit"]]
    with transaction(session_factory) as session:
        [stored] = session.scalars(select(Zustellung).where(Zustellung.dokument_id == world["bescheid"])).all()
        assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get(world["page"]).get_data(as_text=True)

    clock(MADE_AVAILABLE + timedelta(hours=1))
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    with transaction(session_factory) as session:
        version = session.get(Dokument, world["bescheid"]).versions[0]
        assert hashlib.sha256(download.data).hexdigest() == version.sha256
    [row] = _rows(_section(client.get(world["page"])))
    assert row[4:] == ["02.03.2026 11:00", "1", "abgerufen"]


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"empfaenger": "   "}, 422, "Bitte geben Sie an, für wen das Dokument bestimmt ist."),
    ({"empfaenger": "E" * 301}, 422, "Bitte höchstens 300 Zeichen eingeben."),
    ({"tage": "0"}, 422, "Bitte eine ganze Zahl von Tagen zwischen 1 und 90 eingeben."),
    ({"tage": "91"}, 422, "Bitte eine ganze Zahl von Tagen zwischen 1 und 90 eingeben."),
    ({"tage": "zehn"}, 422, "Bitte eine ganze Zahl von Tagen zwischen 1 und 90 eingeben."),
    ({"tage": ""}, 422, "Bitte eine ganze Zahl von Tagen zwischen 1 und 90 eingeben."),
    ({"dokument": ""}, 422, "Bitte wählen Sie das Dokument, das bereitgestellt werden soll."),
    ({"empfaenger": "Erika\x00"}, 400, "unzulässiges Steuerzeichen (NUL)"),
    ({"dokument": "gibt-es-nicht"}, 404, "Das gesuchte Objekt gibt es nicht"),
])
def test_bad_input_is_refused_in_german_and_delivers_nothing(client, world, session_factory, authority, fields,
                                                              status, message):
    response = _deliver(client, world, **fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _delivery_count(session_factory, authority) == 0


def test_documents_that_are_no_outgoing_notice_are_refused(client, world, session_factory, authority):
    form = _section(client.get(world["page"])).split('id="bereitstellen"')[1]
    assert world["bescheid"] in form and world["antrag"] not in form  # only notices are offered
    response = _deliver(client, world, dokument=world["antrag"])
    assert response.status_code == 422
    assert "Zum Abruf bereitstellen lassen sich nur ausgehende Bescheide und Urkunden." in response.get_data(as_text=True)
    assert _delivery_count(session_factory, authority) == 0


def test_documents_of_other_files_and_authorities_are_not_found(app, client, world, session_factory, authority,
                                                                 other_authority):
    [other_case] = deploy_and_start(app, session_factory, world["clerk"], new_key())
    same_authority = _file_document(app, session_factory, world["clerk"], other_case, subject="Anderer Bescheid")
    stranger = ui_user(session_factory, other_authority, "eve", roles=("clerk", "supervisor"))
    [strange_case] = deploy_and_start(app, session_factory, stranger, new_key())
    foreign = _file_document(app, session_factory, stranger, strange_case, subject="Fremder Bescheid")
    for dokument in (same_authority, foreign):
        response = _deliver(client, world, dokument=dokument)
        assert response.status_code == 404 and "Nicht gefunden" in response.get_data(as_text=True)
    assert _delivery_count(session_factory, authority) == 0
    assert _delivery_count(session_factory, other_authority) == 0


def test_clerk_of_another_authority_gets_404(app, world, session_factory, authority, other_authority):
    _make_available(session_factory, authority, world["bescheid"])
    ui_user(session_factory, other_authority, "eve", roles=("clerk", "supervisor"))
    stranger = app.test_client()
    login(stranger, other_authority, "eve")
    page = stranger.get(world["page"])
    assert page.status_code == 404 and RECIPIENT not in page.get_data(as_text=True)
    refused = post_form(stranger, f"{world['page']}/zustellungen",
                        {"dokument": world["bescheid"], "empfaenger": "Eve", "tage": "10"})
    assert refused.status_code == 404 and "Nicht gefunden" in refused.get_data(as_text=True)
    assert _delivery_count(session_factory, authority) == 1


def test_a_closed_file_refuses_new_deliveries(app, client, world, session_factory, authority):
    boss_id = ui_user(session_factory, authority, "leitung", roles=("clerk", "supervisor"))
    with transaction(session_factory) as session:
        boss = session.get(User, boss_id)
        runner.cancel_case(session, app.extensions["engine_context"], world["case"], boss, "zurückgezogen")
        casefile.close_file(session, boss, casefile.file_of_case(session, boss, world["case"]).id, MADE_AVAILABLE)
    assert 'id="bereitstellen"' not in _section(client.get(world["page"]))
    response = _deliver(client, world)
    assert response.status_code == 409
    assert "Die Akte ist geschlossen (zdA); es kann nichts mehr zum Abruf bereitgestellt werden." in _section(response)
    assert _delivery_count(session_factory, authority) == 0


def test_only_clerks_and_supervisors_deliver_and_only_what_they_may_open(app, client, world, session_factory,
                                                                         authority):
    secret = _file_document(app, session_factory, world["clerk"], world["case"], subject="Geheimer Bescheid",
                            confidentiality="geheim")
    assert secret not in _section(client.get(world["page"]))
    refused = _deliver(client, world, dokument=secret)
    assert refused.status_code == 403 and "Keine Berechtigung" in refused.get_data(as_text=True)
    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    modeller = app.test_client()
    login(modeller, authority, "mona")
    page = modeller.get(world["page"])
    assert page.status_code == 200 and 'id="bereitstellen"' not in _section(page)
    assert _deliver(modeller, world).status_code == 403
    assert _delivery_count(session_factory, authority) == 0


def test_deliveries_of_a_file_come_in_one_query_and_only_for_its_authority(app, world, session_factory, authority,
                                                                          other_authority):
    second = _file_document(app, session_factory, world["clerk"], world["case"], subject="Urkunde", doc_type="Urkunde")
    for dokument in (world["bescheid"], second, world["bescheid"]):
        _make_available(session_factory, authority, dokument)
    with transaction(session_factory) as session:
        akte_id = session.get(Dokument, second).akte_id
    statements = []
    with transaction(session_factory) as session:
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731 (the statement's SQL)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            listed = zustellung.deliveries_of_akte(session, authority.id, akte_id)
            subjects = [z.dokument.subject for z in listed]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert zustellung.deliveries_of_akte(session, other_authority.id, akte_id) == []
    assert sorted(subjects) == ["Baugenehmigung Carport", "Baugenehmigung Carport", "Urkunde"]
    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 1, statements
