"""Fees of a case under a Kassenzeichen, and starting their online payment.

``register_fee`` runs inside the step that issues the fee notice (the
Kassenzeichen is reserved with the E-Akte's counter, so it commits or rolls
back with the notice). ``start_payment`` creates the payment at the platform
and sends the payer there; a background job asks the platform later in case
its notification never comes (settlement.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from eakte.aktenzeichen import next_number
from engine import jobs
from engine.errors import Conflict
from engine.models import Case
from processes.payment import rules
from processes.payment.config import PaymentConfig
from processes.payment.models import PaymentRequest
from processes.payment.provider import PaymentPlatform

KASSENZEICHEN_COUNTER = "KASSENZEICHEN"
RECONCILE_AFTER = timedelta(minutes=15)
"""When the platform is asked about a started payment whose notification has not come."""
RECONCILE_OPERATION = "payment.reconcile"


class OnlinePaymentUnavailable(Conflict):
    """The authority cannot take this fee online (no platform configured, or already paid)."""


def register_fee(session: Session, case: Case, *, amount_cents: int, purpose: str, prefix: str,
                 now: datetime) -> PaymentRequest:
    """Reserve a Kassenzeichen for a fee of the case and record the fee as open."""
    if amount_cents <= 0:
        raise ValueError("a fee must be more than 0 cents")
    number = next_number(session, case.authority_id, KASSENZEICHEN_COUNTER, now.year)
    payment = PaymentRequest(authority_id=case.authority_id, case_id=case.id, amount_cents=amount_cents,
                             kassenzeichen=rules.kassenzeichen(prefix, now.year, number), currency="EUR",
                             purpose=purpose[:300], status="open", created_at=now)
    session.add(payment)
    session.flush()
    audit.record(session, audit.case_stream(case.id), "payment.fee_set", actor="system", authority_id=case.authority_id,
                 case_id=case.id, occurred_at=now,
                 data={"kassenzeichen": payment.kassenzeichen, "amount_cents": amount_cents, "purpose": payment.purpose})
    return payment


def fees_of_case(session: Session, case_id: str) -> list[PaymentRequest]:
    """The fees of a case, oldest first."""
    return list(session.scalars(select(PaymentRequest).where(PaymentRequest.case_id == case_id)
                                .order_by(PaymentRequest.created_at, PaymentRequest.id)))


def fee_by_kassenzeichen(session: Session, authority_id: str, kassenzeichen: str,
                         for_update: bool = False) -> PaymentRequest | None:
    """The authority's fee under this Kassenzeichen, or None."""
    query = select(PaymentRequest).where(PaymentRequest.authority_id == authority_id,
                                         PaymentRequest.kassenzeichen == kassenzeichen)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def start_payment(session: Session, config: PaymentConfig, slug: str, payment: PaymentRequest, *, return_url: str,
                  notification_base_url: str, now: datetime, actor: str) -> str:
    """Create the payment at the platform and return the payment page the payer is sent to.

    The platform is called inside the request's transaction; if the commit
    fails afterwards, the platform keeps a payment nobody is sent to (it
    expires there), and the payer starts again.

    Raises:
        OnlinePaymentUnavailable: no platform for the authority, or the fee is paid or being paid.
        ProviderUnavailable: the platform cannot be reached.
    """
    merchant = config.merchant(slug)
    if merchant is None or not config.provider_url:
        raise OnlinePaymentUnavailable("Diese Behörde nimmt Gebühren nicht online an. Bitte überweisen Sie den "
                                       "Betrag mit dem Kassenzeichen.")
    if payment.status not in rules.RESTARTABLE:
        raise OnlinePaymentUnavailable("Diese Gebühr ist bezahlt oder ihre Zahlung läuft bereits.")
    base = merchant.notification_base_url or notification_base_url.rstrip("/")
    created = PaymentPlatform(config.provider_url, merchant).create(
        kassenzeichen=payment.kassenzeichen, amount_cents=payment.amount_cents, currency=payment.currency,
        purpose=payment.purpose, return_url=return_url,
        notification_url=f"{base}/api/v1/payments/notifications/{slug}",
    )
    payment.status, payment.provider_payment_id, payment.started_at = "pending", created.payment_id, now
    audit.record(session, audit.case_stream(payment.case_id), "payment.started", actor=actor,
                 authority_id=payment.authority_id, case_id=payment.case_id, occurred_at=now,
                 data={"kassenzeichen": payment.kassenzeichen, "payment_id": created.payment_id})
    jobs.enqueue(session, "background", now=now, run_at=now + RECONCILE_AFTER, authority_id=payment.authority_id,
                 payload={"operation": RECONCILE_OPERATION, "params": {"payment": payment.id}},
                 dedupe_key=f"payment-reconcile:{created.payment_id}", max_attempts=5)
    session.flush()
    return created.payment_page
