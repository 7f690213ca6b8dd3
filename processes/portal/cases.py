"""What the portal shows and does for a signed-in applicant: their cases, documents handed in later, notices.

Every function takes the applicant's account id and reaches a case only
through it (accounts.case_of), so an applicant never sees or changes another
applicant's case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import akten
from eakte.models import DokumentVersion, Zustellung
from eakte.storage import DocumentStore
from eakte.zustellung import AVAILABLE, DOWNLOADED, deliveries_of_akte, delivery_state, download_by_recipient
from engine import runner
from engine.errors import Conflict
from engine.messages import SendResult
from engine.models import Authority, Case, UserTask
from engine.runner import EngineContext
from processes import intake
from processes.actors import SystemActor
from processes.payment.fees import fees_of_case
from processes.payment.models import PaymentRequest
from processes.portal import status as plain
from processes.portal.accounts import case_of, cases_of


@dataclass(frozen=True)
class CaseSummary:
    """A case in the applicant's list."""

    case: Case
    procedure: str
    authority: str
    status: plain.CaseStatus


@dataclass(frozen=True)
class Notice:
    """A notice made available to the applicant, and whether it can be fetched."""

    delivery: Zustellung
    state: str

    @property
    def available(self) -> bool:
        return self.state in (AVAILABLE, DOWNLOADED)


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case page shows."""

    summary: CaseSummary
    fee: PaymentRequest | None
    notices: list[Notice]


def actor_of(account_id: str, authority_id: str) -> SystemActor:
    """The applicant as the actor of what they do in a case (their account id in the log, not their name)."""
    return SystemActor(authority_id, f"antragsteller:{account_id}")


def overview(session: Session, ctx: EngineContext, account_id: str) -> list[CaseSummary]:
    """The applicant's cases, newest first, each with its status in plain words."""
    return [_summary(session, ctx, case) for case in cases_of(session, account_id)]


def detail(session: Session, ctx: EngineContext, account_id: str, case_id: str, now: datetime) -> CaseDetail:
    """One of the applicant's cases with its fee and its notices.

    Raises:
        NotFound: no such case of this applicant.
    """
    case = case_of(session, account_id, case_id)
    summary = _summary(session, ctx, case)
    vorgang = akten.vorgang_of_case(session, case.id)
    deliveries = deliveries_of_akte(session, case.authority_id, vorgang.akte_id) if vorgang else []
    notices = [Notice(d, delivery_state(d, now)) for d in deliveries]
    return CaseDetail(summary, _fee(session, case.id), notices)


def hand_in(session: Session, ctx: EngineContext, store: DocumentStore, account_id: str, case_id: str,
            documents: list[intake.IncomingDocument], note: str | None) -> SendResult:
    """File documents the authority asked for into the case and tell the waiting case they arrived.

    Raises:
        NotFound: no such case of this applicant.
        Conflict: the case does not wait for documents (nothing filed).
        UnsupportedContent: a file is not acceptable (nothing filed).
    """
    case = case_of(session, account_id, case_id)
    message = plain.documents_message(case.definition.key)
    if message is None or case.status != "running" or message not in _awaited(ctx, case):
        raise Conflict("Zurzeit sind für diesen Antrag keine Unterlagen angefordert.")
    data = {"eingereicht_ueber": "Bürgerportal"} | ({"hinweis": note} if note else {})
    return intake.send_message(session, ctx, store, actor_of(account_id, case.authority_id), message,
                               {"business_key": case.business_key}, data, documents)


def fetch_notice(session: Session, store: DocumentStore, account_id: str, case_id: str, delivery_id: str, *,
                 now: datetime, remote_addr: str | None) -> tuple[Zustellung, DokumentVersion, Iterator[bytes]]:
    """Hand a delivered notice of the applicant's case to them, recorded as the proof of retrieval.

    Raises:
        NotFound: no such case of the applicant, no such delivery in its file, or no longer available.
    """
    case = case_of(session, account_id, case_id)
    vorgang = akten.vorgang_of_case(session, case.id)
    return download_by_recipient(session, store, delivery_id, vorgang.akte_id, now=now, remote_addr=remote_addr,
                                 actor=f"antragsteller:{account_id}", via="buergerportal")


def fee_of(session: Session, account_id: str, case_id: str, for_update: bool = False) -> tuple[Case, PaymentRequest]:
    """The open fee of one of the applicant's cases.

    Raises:
        NotFound: no such case of the applicant. Conflict: the case has no fee.
    """
    case = case_of(session, account_id, case_id)
    fee = _fee(session, case.id, for_update)
    if fee is None:
        raise Conflict("Für diesen Antrag ist keine Gebühr festgesetzt.")
    return case, fee


def _summary(session: Session, ctx: EngineContext, case: Case) -> CaseSummary:
    tasks = list(session.execute(select(UserTask.bpmn_id, UserTask.name)
                                 .where(UserTask.case_id == case.id, UserTask.status == "open")
                                 .order_by(UserTask.created_at)))
    fee = _fee(session, case.id)
    waits_for = frozenset()
    if case.status == "running" and not tasks:  # a case that waits for a message has no open task
        waits_for = _awaited(ctx, case)
    facts = plain.Facts(case.definition.key, case.status, [t.bpmn_id for t in tasks], [t.name for t in tasks],
                        waits_for, case.data or {},
                        plain.Fee(fee.kassenzeichen, fee.amount_cents, fee.status) if fee else None)
    authority = session.get(Authority, case.authority_id)
    return CaseSummary(case, plain.procedure_title(case.definition.key, case.definition.name), authority.name,
                       plain.describe(facts))


def _awaited(ctx: EngineContext, case: Case) -> frozenset[str]:
    return frozenset(m.name for m in runner.awaited_messages(ctx, case))


def _fee(session: Session, case_id: str, for_update: bool = False) -> PaymentRequest | None:
    fees = fees_of_case(session, case_id)
    if not fees:
        return None
    if for_update:
        session.refresh(fees[-1], with_for_update=True)
    return fees[-1]
