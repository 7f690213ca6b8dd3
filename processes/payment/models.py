"""Fees to pay online: one row per Kassenzeichen, with where its payment stands.

``open``: the fee notice was issued, nothing paid; ``pending``: the payer was
sent to the provider's payment page; ``paid``: the provider confirmed the
payment (notification or query), the proof is filed; ``failed`` and
``cancelled``: the last attempt did not succeed, the payer may try again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow

PAYMENT_STATUSES = ("open", "pending", "paid", "failed", "cancelled")


class PaymentRequest(Base):
    """A fee of a case under a Kassenzeichen, and its payment through the payment provider."""

    __tablename__ = "payment_requests"
    __table_args__ = (UniqueConstraint("authority_id", "kassenzeichen"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    kassenzeichen: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    purpose: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="open")
    provider_payment_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    payment_method: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    proof_dokument_id: Mapped[str | None] = mapped_column(String(36))
