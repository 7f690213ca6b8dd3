"""What an authority received through FIT-Connect, for people: each submission with its case or its reasons.

The clerks' page "Online-Eingänge" (web/ui/online_intake.py) lists the
authority's submissions newest first. An accepted one names the case
it became, the reply channel the applicant chose and the replies sent through
it; a rejected one the problems that went back to the online service, in the
words of FIT-Connect's problem catalogue (German titles) with the part of the
submission they concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case
from processes.fitconnect.models import FitConnectReply, FitConnectSubmission
from processes.fitconnect.reply_channels import ReplyChannel, channel_of_submission

STATUSES = {"accepted": "angenommen", "rejected": "abgelehnt"}
PARTS = {"metadata": "Metadaten", "data": "Fachdaten", "submission": "Einreichung"}


@dataclass(frozen=True)
class Reason:
    """One problem of a rejection: title, the part of the submission, the detail."""

    title: str
    part: str
    detail: str


@dataclass(frozen=True)
class Received:
    """A submission and what became of it."""

    submission: FitConnectSubmission
    case: Case | None
    channel: ReplyChannel | None
    replies: list[FitConnectReply] = field(default_factory=list)

    @property
    def reasons(self) -> list[Reason]:
        """Why it was rejected (empty for an accepted submission)."""
        return [Reason(str(p.get("title") or "Problem"), part_of(p.get("instance")), str(p.get("detail") or ""))
                for p in self.submission.problems or [] if isinstance(p, dict)]


def part_of(instance) -> str:
    """The part of a submission a problem's ``instance`` names, in German."""
    if isinstance(instance, str) and instance.startswith("attachment:"):
        return "Anlage"
    return PARTS.get(instance, "Einreichung") if isinstance(instance, str) else "Einreichung"


def received_submissions(session: Session, authority_id: str, *, status: str | None = None, offset: int = 0,
                         limit: int = 25) -> tuple[list[Received], int]:
    """One page of the authority's submissions, newest first, and how many there are.

    Args:
        status: ``accepted``, ``rejected`` or None for all.
    """
    condition = [FitConnectSubmission.authority_id == authority_id]
    if status is not None:
        condition.append(FitConnectSubmission.status == status)
    total = session.scalar(select(func.count()).select_from(FitConnectSubmission).where(*condition)) or 0
    rows = list(session.scalars(select(FitConnectSubmission).where(*condition)
                                .order_by(FitConnectSubmission.received_at.desc(), FitConnectSubmission.id)
                                .offset(offset).limit(limit)))
    case_ids = [row.case_id for row in rows if row.case_id]
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    replies: dict[str, list[FitConnectReply]] = {}
    if case_ids:
        for reply in session.scalars(select(FitConnectReply).where(FitConnectReply.case_id.in_(case_ids))
                                     .order_by(FitConnectReply.created_at)):
            replies.setdefault(reply.case_id, []).append(reply)
    listed = []
    for row in rows:
        case = cases.get(row.case_id)
        channel = channel_of_submission(row.reply_channel, case.data if case is not None else None)
        listed.append(Received(row, case, channel, replies.get(row.case_id, [])))
    return listed, total
