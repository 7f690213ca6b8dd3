"""The submissions a destination received through FIT-Connect, and what became of them.

One row per FIT-Connect submission id, written in the transaction that
starts the case (accepted) or records the refusal (rejected). The row is the
replay guard: a submission id seen before is never turned into a second
case, and ``data_tag`` (the JWE authentication tag of the encrypted data set,
unique for every encryption) finds a data set sent again under a new
submission id. ``event_sent_at`` stays empty until the Zustelldienst
confirmed the accept or reject event; until then the next poll sends it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow

SUBMISSION_STATUSES = ("accepted", "rejected")


class FitConnectSubmission(Base):
    """A submission fetched from the Zustelldienst, accepted (with its case) or rejected (with the problems)."""

    __tablename__ = "fitconnect_submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"), index=True)
    destination_id: Mapped[str] = mapped_column(String(36))
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    fit_case_id: Mapped[str] = mapped_column(String(36))
    service_identifier: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    problems: Mapped[list] = mapped_column(default=list)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("engine_cases.id"))
    data_tag: Mapped[str | None] = mapped_column(String(100), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    event_sent_at: Mapped[datetime | None]
