"""Kasse in the UI: a fee paid by transfer is booked by its Kassenzeichen; the case that waits for it goes on."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import User
from processes import casework
from processes.payment import rules
from processes.payment.fees import register_fee
from processes.payment.models import PaymentRequest
from tests.web.ui_helpers import UI_MODELS, csrf_token, login, ui_user

pytestmark = pytest.mark.core

WAITING_FOR_PAYMENT = (UI_MODELS / "ui_nachreichung.bpmn").read_bytes().replace(
    b'name="unterlagen_nachgereicht"', b'name="gebuehr_bezahlt"').replace(
    b'name="Nachreichung abwarten"', b'name="Zahlungseingang abwarten"')


@pytest.fixture()
def fee(app, session_factory, authority):
    """A case that waits for its fee of 3.200,00 € (message gebuehr_bezahlt); a clerk 'kai' signed in."""
    user_id = ui_user(session_factory, authority, "kai", groups=("Kasse",))
    key = f"ui_zahlung_{uuid.uuid4().hex[:8]}"
    ctx = app.extensions["engine_context"]
    with transaction(session_factory) as session:
        user = session.get(User, user_id)
        casework.deploy(session, ctx, {f"{key}.bpmn": WAITING_FOR_PAYMENT.replace(b'id="ui_nachreichung"',
                                                                                   f'id="{key}"'.encode())}, user)
        case = casework.start_case(session, ctx, user, key, {}, subject="Gebühr")
        payment = register_fee(session, case, amount_cents=320000, purpose="Baugebühr", prefix="5063", now=ctx.clock())
        return case.id, payment.kassenzeichen


def _book(client, **fields):
    page = client.get("/ui/kasse")
    return client.post("/ui/kasse", data={"csrf_token": csrf_token(page.get_data(as_text=True)), **fields})


def _status(session_factory, case_id):
    """The status of the case's fee (Kassenzeichen repeat across the tests' authorities)."""
    with transaction(session_factory) as session:
        return session.scalar(select(PaymentRequest.status).where(PaymentRequest.case_id == case_id))


def test_the_case_page_links_the_open_fee_and_booking_it_continues_the_case(client, authority, session_factory, fee):
    case_id, kassenzeichen = fee
    login(client, authority, "kai")
    case_page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert f"3.200,00 € unter dem Kassenzeichen {kassenzeichen}" in case_page
    assert f"/ui/kasse?kassenzeichen={kassenzeichen}" in case_page
    assert "Eingang erfassen" not in case_page  # a payment is booked, not recorded as post
    assert "erwartete Eingang" not in client.get(f"/ui/posteingang/{case_id}").get_data(as_text=True)

    booked = _book(client, kassenzeichen=kassenzeichen, betrag="3.200,00", gebucht_am="")
    assert booked.status_code == 302 and booked.headers["Location"].endswith(f"/ui/akten/{case_id}")
    shown = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert f"Zahlung über 3.200,00 € zum Kassenzeichen {kassenzeichen} gebucht." in shown
    assert _status(session_factory, case_id) == "paid"
    assert "Nachgereichte Unterlagen prüfen" in shown  # the case went on to its next task
    again = _book(client, kassenzeichen=kassenzeichen, betrag="3200", gebucht_am="")
    assert "war schon bezahlt" in client.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("fields, status, message", [
    ({"kassenzeichen": "", "betrag": ""}, 422, "Bitte das Kassenzeichen eingeben."),
    ({"kassenzeichen": "12345", "betrag": "1"}, 422, "Das ist kein gültiges Kassenzeichen"),
    ({"kassenzeichen": "KZ", "betrag": "1.5"}, 422, "Bitte schreiben Sie Nachkommastellen mit Komma"),
    ({"betrag": "3.200,001"}, 422, "höchstens 2 Nachkommastellen"),
    ({"betrag": "0"}, 422, "größer als 0"),
    ({"betrag": "320,00"}, 422, "Der Betrag passt nicht zur Gebühr. Die Gebühr beträgt 3.200,00 €."),
    ({"gebucht_am": "2999-01-01"}, 422, "nicht in der Zukunft"),
    ({"gebucht_am": "gestern"}, 422, "TT.MM.JJJJ"),
])
def test_bad_bookings_are_german_errors_and_change_nothing(client, authority, session_factory, fee, fields, status,
                                                            message):
    case_id, kassenzeichen = fee
    login(client, authority, "kai")
    response = _book(client, **{"kassenzeichen": kassenzeichen, "betrag": "3.200,00", "gebucht_am": "", **fields})
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert _status(session_factory, case_id) == "open"


def test_a_kassenzeichen_of_no_fee_or_of_another_authority_is_not_found(client, authority, other_authority,
                                                                         session_factory, fee):
    case_id, kassenzeichen = fee
    ui_user(session_factory, other_authority, "olga")
    login(client, other_authority, "olga")
    unknown = _book(client, kassenzeichen=rules.kassenzeichen("5063", 2026, 99999), betrag="1", gebucht_am="")
    assert unknown.status_code == 404 and "keine Gebühr" in unknown.get_data(as_text=True)
    foreign = _book(client, kassenzeichen=kassenzeichen, betrag="3.200,00", gebucht_am="")
    assert foreign.status_code == 404
    assert _status(session_factory, case_id) == "open"
