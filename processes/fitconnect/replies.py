"""Notices go back to the applicant through FIT-Connect's reply channel (``fitConnect`` in the submission's metadata).

The delivery step (processes/notices.py) asks :func:`queue_reply` in its own
transaction: for a case that came in through FIT-Connect with the
``fitConnect`` reply channel it records a :class:`FitConnectReply` with the
notices' document ids and queues a ``background`` job that names the case
(it runs after the case ended, and its failure is an incident of the case).
The job (reply_sender.py) encrypts the notices with the online service's key
and sends them as a reply through the Submission API. A case without that
channel gets None and its notices are delivered as before (portal, mailbox).

Nothing is lost when the Zustelldienst refuses or is down: the reply row and
the job stay; the job is retried with backoff, then opens an incident a
supervisor can retry; the notices stay in the file and in the applicant
portal meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from engine import jobs
from engine.models import Case
from processes.fitconnect.models import FitConnectReply, FitConnectSubmission
from processes.fitconnect.reply_channels import ReplyChannel, channel_of_submission

OPERATION = "fitconnect.antwort"
MAX_ATTEMPTS = 5


def channel_of(session: Session, case: Case) -> tuple[FitConnectSubmission | None, ReplyChannel | None]:
    """The FIT-Connect submission a case came from (None if it did not) and the reply channel it names."""
    submission = session.scalar(select(FitConnectSubmission).where(FitConnectSubmission.case_id == case.id,
                                                                   FitConnectSubmission.status == "accepted"))
    if submission is None:
        return None, None
    return submission, channel_of_submission(submission.reply_channel, case.data)


def queue_reply(session: Session, case: Case, dokument_ids: list[str], *, now: datetime,
                actor: str) -> FitConnectReply | None:
    """Queue the notices as a reply through FIT-Connect if the case's applicant chose that channel; else None."""
    submission, channel = channel_of(session, case)
    if submission is None or channel is None or not channel.answered_here:
        return None
    reply = FitConnectReply(
        authority_id=case.authority_id, case_id=case.id, submission_id=submission.submission_id,
        fit_case_id=submission.fit_case_id, destination_id=submission.destination_id,
        dokument_ids=[str(d) for d in dokument_ids], attachment_ids={}, status="pending", attempts=0, created_at=now,
    )
    session.add(reply)
    session.flush()
    audit.record(session, audit.case_stream(case.id), "fitconnect.reply_queued", actor=actor,
                 authority_id=case.authority_id, case_id=case.id, occurred_at=now,
                 data={"reply": reply.id, "submission_id": submission.submission_id,
                       "dokument_ids": reply.dokument_ids, "channel": channel.kind})
    jobs.enqueue(session, "background", now=now, case_id=case.id, authority_id=case.authority_id,
                 payload={"operation": OPERATION, "params": {"reply": reply.id}},
                 dedupe_key=f"fitconnect-reply:{reply.id}", max_attempts=MAX_ATTEMPTS)
    return reply


def replies_of_case(session: Session, case_id: str) -> list[FitConnectReply]:
    """The replies sent (or waiting to be sent) for a case, oldest first."""
    return list(session.scalars(select(FitConnectReply).where(FitConnectReply.case_id == case_id)
                                .order_by(FitConnectReply.created_at, FitConnectReply.id)))
