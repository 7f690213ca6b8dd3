"""Kasse: the cashier books a fee paid by bank transfer or at the counter, by its Kassenzeichen.

The same service as ``POST /api/v1/payments/bookings`` does the work (processes/payment/settlement.py): the
Kassenzeichen and the amount must match the fee, the proof is filed into the case file, and a case that waits for
the payment ("Zahlungseingang abwarten") goes on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidData, NotFound
from processes.payment import rules
from processes.payment.fees import fee_by_kassenzeichen, fees_of_case
from processes.payment.models import PaymentRequest
from processes.payment.settlement import book_transfer
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.forms.numbers import NumberRefused, parse_number

bp = Blueprint("ui_kasse", __name__, url_prefix="/ui/kasse")
register_error_pages(bp)

FIELD_LABELS = {"kassenzeichen": "Kassenzeichen", "betrag": "Betrag", "gebucht_am": "Gebucht am"}
MAX_AMOUNT_CENTS = 10**12  # ten billion euros: anything above is a typing error


@bp.get("")
@login_required("clerk", "supervisor")
def form():
    """The booking form (a Kassenzeichen may be given, e.g. from the case page)."""
    return _page({"kassenzeichen": request.args.get("kassenzeichen", "")[:40]})


@bp.post("")
@login_required("clerk", "supervisor")
def book():
    """Book a payment; the fee counts as paid if Kassenzeichen and amount fit."""
    db, user, ctx = get_session(), ui_user(), engine_context()
    values = {name: request.form.get(name, "").strip() for name in FIELD_LABELS}
    errors: dict[str, list[str]] = {}
    kassenzeichen = values["kassenzeichen"].replace(" ", "")
    if not kassenzeichen:
        errors["kassenzeichen"] = ["Bitte das Kassenzeichen eingeben."]
    elif not rules.is_kassenzeichen(kassenzeichen):
        errors["kassenzeichen"] = ["Das ist kein gültiges Kassenzeichen (nur Ziffern, die letzte ist eine Prüfziffer). "
                                   "Bitte prüfen Sie die Eingabe auf Tippfehler."]
    amount_cents = _amount_cents(values["betrag"], errors)
    booked_at = _booking_time(values["gebucht_am"], ctx.clock(), errors)
    if errors:
        return _page(values, errors, 422)
    try:
        payment, result = book_transfer(db, ctx, document_store(), user, kassenzeichen, amount_cents, booked_at)
    except NotFound:
        return _page(values, {"kassenzeichen": ["Zu diesem Kassenzeichen gibt es in Ihrer Behörde keine Gebühr."]},
                     404)
    except InvalidData:
        fee = fee_by_kassenzeichen(db, user.authority_id, kassenzeichen)
        expected = f" Die Gebühr beträgt {rules.euro(fee.amount_cents)}." if fee else ""
        return _page(values, {"betrag": [f"Der Betrag passt nicht zur Gebühr.{expected} Es wurde nichts gebucht."]},
                     422)
    except Conflict:
        return _page(values, {"kassenzeichen": ["Diese Gebühr wird gerade online bezahlt. Bitte warten Sie die "
                                                "Antwort der Zahlungsplattform ab."]}, 409)
    if result == "already_paid":
        flash(f"Die Gebühr zum Kassenzeichen {kassenzeichen} war schon bezahlt; es wurde nichts geändert.")
    else:
        flash(f"Zahlung über {rules.euro(payment.amount_cents)} zum Kassenzeichen {kassenzeichen} gebucht. "
              "Der Nachweis liegt in der Akte.")
    return redirect(url_for("ui_cases.show", case_id=payment.case_id))


def payable_fees(session, case) -> list[PaymentRequest]:
    """The case's fees that are not paid yet (the case page lists them with a link to book them)."""
    return [fee for fee in fees_of_case(session, case.id) if fee.status != "paid"]


def _amount_cents(raw: str, errors: dict) -> int | None:
    if not raw:
        errors["betrag"] = ["Bitte den gezahlten Betrag eingeben, z. B. 3.200,00."]
        return None
    try:
        amount = parse_number(raw, decimal_digits=2)
    except NumberRefused as exc:
        errors["betrag"] = [str(exc)]
        return None
    cents = rules.cents(amount)
    if not 0 < cents < MAX_AMOUNT_CENTS:
        errors["betrag"] = ["Bitte einen Betrag größer als 0 € eingeben."]
        return None
    return cents


def _booking_time(raw: str, now: datetime, errors: dict) -> datetime | None:
    if not raw:
        return now
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors["gebucht_am"] = ["Bitte ein Datum im Format TT.MM.JJJJ eingeben."]
        return None
    if day > now.date() or day.year < 2000:
        errors["gebucht_am"] = ["Das Buchungsdatum darf nicht in der Zukunft liegen."]
        return None
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)


def _page(values: dict, errors: dict | None = None, status: int = 200):
    errors = errors or {}
    summary = [(name, f"{FIELD_LABELS[name]}: {message}") for name, messages in errors.items() for message in messages]
    return render_template("ui/kasse.html", title="Zahlung buchen", values=values, errors=errors,
                           summary=summary), status
