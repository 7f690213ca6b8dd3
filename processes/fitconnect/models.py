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
    reply_channel: Mapped[dict | None] = mapped_column(default=None)
    """The ``replyChannel`` of the metadata as received (the applicant's choice; public data only)."""


REPLY_STATUSES = ("pending", "announced", "submitted")


class FitConnectReply(Base):
    """Notices sent back to the applicant through FIT-Connect's reply channel (a reply of the Submission API).

    Queued by the delivery step (``pending``, in its transaction), then sent by
    a background job: announced at the Zustelldienst (``announced``, the reply
    id known), attachments uploaded, submitted (``submitted``). ``confirmed_at``
    is set when the Zustelldienst's signed ``submit-reply`` event with the
    authentication tags of what was sent is in the event log. ``attachment_ids``
    (document id -> attachment UUID) are fixed before the reply is announced.
    """

    __tablename__ = "fitconnect_replies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(36))
    fit_case_id: Mapped[str] = mapped_column(String(36))
    destination_id: Mapped[str] = mapped_column(String(36))
    dokument_ids: Mapped[list] = mapped_column(default=list)
    attachment_ids: Mapped[dict] = mapped_column(default=dict)
    reply_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
