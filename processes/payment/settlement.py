"""Settling fees: the platform's notification, the payer's return, the background query, the cashier's booking.

Every report of a payment goes through :func:`settle`, which first checks
that it is about this fee (Kassenzeichen, amount, currency): anything else
is refused and changes nothing. A booked payment marks the fee paid, files
the proof into the case file and sends the message ``gebuehr_bezahlt`` to the
case (the building permit waits for it before it delivers its notices). A
second report of the same booking (a duplicate or late notification, the
payer's return after the notification) finds the fee paid and changes
nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from eakte import akten, audit
from eakte.dokumente import store_document
from eakte.intake import CheckedContent
from eakte.storage import DocumentStore
from engine import messages
from engine.db import transaction
from engine.errors import Conflict, EngineError, InvalidData, NotFound
from engine.identity import get_authority
from engine.models import Authority, Case
from engine.registry import BackgroundCall, ServiceRegistry
from engine.runner import EngineContext
from processes.actors import SystemActor
from processes.payment import rules
from processes.payment.config import PaymentConfig
from processes.payment.fees import RECONCILE_OPERATION, fee_by_kassenzeichen
from processes.payment.models import PaymentRequest
from processes.payment.provider import PaymentPlatform, ProviderPayment, signature_matches

PAID_MESSAGE = "gebuehr_bezahlt"
ACTOR = "zahlungsplattform"
SOURCES = {"notification": "Benachrichtigung der Zahlungsplattform", "query": "Abfrage bei der Zahlungsplattform",
           "booking": "Buchung durch die Kasse"}


class NotificationRefused(EngineError):
    """A notification that is not taken (signature, format, unknown Kassenzeichen, wrong amount); nothing changed."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def settle(session: Session, ctx: EngineContext, store: DocumentStore, payment: PaymentRequest,
           reported: ProviderPayment, *, source: str, actor: str) -> str:
    """Apply what was reported about a fee's payment.

    Returns:
        ``paid`` (booked now), ``already_paid``, ``failed``, ``cancelled``, ``pending`` or ``ignored``
        (a failure reported for a fee that is paid).

    Raises:
        InvalidData: the report is about another Kassenzeichen, amount or currency (nothing changed).
    """
    _check_matches(payment, reported)
    state = rules.our_state(reported.state)
    now = ctx.clock()
    if payment.status == "paid":
        return "already_paid" if state == "paid" else "ignored"
    if state == "pending":
        return "pending"
    if state in ("failed", "cancelled"):
        payment.status = state
        _record(session, payment, f"payment.{state}", actor, now, reported, source)
        return state
    payment.status, payment.paid_at, payment.payment_method = "paid", reported.booked_at or now, reported.method
    proof = _file_proof(session, store, payment, reported, source, now)
    payment.proof_dokument_id = proof
    _record(session, payment, "payment.booked", actor, now, reported, source)
    case = session.get(Case, payment.case_id)
    if case.status in ("running", "suspended"):
        messages.send_message(session, ctx, SystemActor(payment.authority_id, actor), PAID_MESSAGE,
                              {"business_key": case.business_key},
                              {"kassenzeichen": payment.kassenzeichen, "betrag": payment.amount_cents / 100,
                               "bezahlt_am": payment.paid_at.isoformat(), "zahlungsart": payment.payment_method,
                               "nachweis_dokument_id": proof})
    session.flush()
    return "paid"


def take_notification(session: Session, ctx: EngineContext, store: DocumentStore, config: PaymentConfig, slug: str,
                      body: bytes, timestamp: str | None, signature: str | None) -> tuple[PaymentRequest, str]:
    """Check and apply a notification of the platform for an authority.

    Raises:
        NotificationRefused: 404 no platform for the authority or unknown Kassenzeichen, 401 signature,
            400 not a notification, 409 another payment of the Kassenzeichen, 422 amount or currency.
    """
    merchant = config.merchant(slug)
    if merchant is None:
        raise NotificationRefused(f"authority '{slug}' takes no payments through a platform", 404)
    if not signature_matches(merchant.notification_key(), timestamp, body, signature):
        raise NotificationRefused("the signature (X-Epay-Signatur over X-Epay-Zeitstempel and the body) "
                                  "does not match", 401)
    try:
        reported = ProviderPayment.from_json(json.loads(body))
    except (ValueError, TypeError, AttributeError) as exc:
        raise NotificationRefused(f"not a payment notification: {exc}", 400) from exc
    authority = get_authority(session, slug)
    payment = fee_by_kassenzeichen(session, authority.id, reported.kassenzeichen, for_update=True)
    if payment is None:
        raise NotificationRefused(f"unknown Kassenzeichen '{reported.kassenzeichen}': no fee of this authority "
                                  "has it; nothing was changed", 404)
    if payment.provider_payment_id != reported.payment_id:
        raise NotificationRefused(f"payment '{reported.payment_id}' is not the current payment of Kassenzeichen "
                                  f"'{payment.kassenzeichen}'; nothing was changed", 409)
    try:
        return payment, settle(session, ctx, store, payment, reported, source="notification", actor=ACTOR)
    except InvalidData as exc:
        raise NotificationRefused(exc.message, 422) from exc


def query_platform(session: Session, ctx: EngineContext, store: DocumentStore, config: PaymentConfig, slug: str,
                   payment: PaymentRequest, actor: str) -> str:
    """Ask the platform where the fee's current payment stands and apply it (the payer's return, the background job).

    Raises:
        ProviderUnavailable: the platform cannot be asked now.
    """
    merchant = config.merchant(slug)
    if payment.provider_payment_id is None or merchant is None:
        return payment.status
    reported = PaymentPlatform(config.provider_url, merchant).state(payment.provider_payment_id)
    return settle(session, ctx, store, payment, reported, source="query", actor=actor)


def book_transfer(session: Session, ctx: EngineContext, store: DocumentStore, user, kassenzeichen: str,
                  amount_cents: int, booked_at: datetime) -> tuple[PaymentRequest, str]:
    """The cashier reports a bank transfer for a Kassenzeichen (checked like a notification).

    Raises:
        NotFound: unknown Kassenzeichen. InvalidData: its check digit is wrong, or another amount.
        Conflict: the fee's payment is running online.
    """
    if not rules.is_kassenzeichen(kassenzeichen):
        raise InvalidData(f"'{kassenzeichen}' is not a Kassenzeichen: digits with a correct check digit (mistyped?); "
                          "nothing was changed")
    payment = fee_by_kassenzeichen(session, user.authority_id, kassenzeichen, for_update=True)
    if payment is None:
        raise NotFound(f"unknown Kassenzeichen '{kassenzeichen}'; nothing was changed")
    if payment.status == "pending":
        raise Conflict("the fee is being paid online just now; wait for the platform's answer")
    reported = ProviderPayment(payment_id=f"kasse-{uuid.uuid4()}", kassenzeichen=kassenzeichen,
                               amount_cents=amount_cents, currency="EUR", state="BOOKED", method="Überweisung",
                               booked_at=booked_at)
    return payment, settle(session, ctx, store, payment, reported, source="booking", actor=user.username)


def register(registry: ServiceRegistry, store: Callable[[], DocumentStore], config: PaymentConfig) -> None:
    """Register the background query of a started payment whose notification did not come."""

    def reconcile(call: BackgroundCall):
        with transaction(call.factory) as session:
            payment = session.get(PaymentRequest, call.params["payment"])
            if payment is None or payment.status != "pending":
                return None
            slug = session.get(Authority, payment.authority_id).slug
            query_platform(session, call.ctx, store(), config, slug, payment, ACTOR)
        return None

    registry.register_background(RECONCILE_OPERATION, reconcile)


def _check_matches(payment: PaymentRequest, reported: ProviderPayment) -> None:
    problems = []
    if reported.kassenzeichen != payment.kassenzeichen:
        problems.append(f"Kassenzeichen '{reported.kassenzeichen}' instead of '{payment.kassenzeichen}'")
    if reported.amount_cents != payment.amount_cents:
        problems.append(f"amount {rules.euro(reported.amount_cents)} instead of {rules.euro(payment.amount_cents)}")
    if reported.currency != payment.currency:
        problems.append(f"currency {reported.currency} instead of {payment.currency}")
    if problems:
        raise InvalidData(f"the payment does not match the fee: {'; '.join(problems)}; nothing was changed")


def _file_proof(session: Session, store: DocumentStore, payment: PaymentRequest, reported: ProviderPayment,
                source: str, now: datetime) -> str:
    vorgang = akten.vorgang_of_case(session, payment.case_id)
    proof = {"kassenzeichen": payment.kassenzeichen, "betrag": rules.euro(payment.amount_cents),
             "verwendungszweck": payment.purpose, "quelle": SOURCES[source], "gemeldet_am": now.isoformat(),
             "zahlungsplattform": reported.as_json()}
    content = CheckedContent(json.dumps(proof, ensure_ascii=False, indent=2).encode("utf-8"), "zahlungsnachweis.json",
                             "application/json")
    version = store_document(session, store, vorgang, content, subject=f"Zahlungsnachweis: Kassenzeichen "
                             f"{payment.kassenzeichen}", doc_type="Nachricht", direction="incoming", actor=ACTOR,
                             now=now)
    return version.dokument_id


def _record(session: Session, payment: PaymentRequest, kind: str, actor: str, now: datetime,
            reported: ProviderPayment, source: str) -> None:
    audit.record(session, audit.case_stream(payment.case_id), kind, actor=actor, authority_id=payment.authority_id,
                 case_id=payment.case_id, occurred_at=now,
                 data={"kassenzeichen": payment.kassenzeichen, "payment_id": reported.payment_id,
                       "state": reported.state, "method": reported.method, "source": source})
