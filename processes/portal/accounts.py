"""Applicant accounts and the cases linked to them; an applicant only ever reaches their own cases.

An account is created when an applicant signs in to the portal for the first
time, or when a submission identified by the same eID broker arrives for
them through FIT-Connect. Every read of a case in the portal goes through
:func:`case_of`, which finds the case only through the applicant's links.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import InvalidData, NotFound
from engine.models import Case
from processes.portal.assurance import LEVELS
from processes.portal.models import LINK_CHANNELS, ApplicantAccount, CaseLink


def ensure_account(session: Session, issuer: str, subject: str, assurance: str, now: datetime, *,
                   signing_in: bool = False) -> ApplicantAccount:
    """Return the account of a pseudonym at a broker, creating it if needed.

    The assurance level is the one of the latest identification. Two
    transactions creating the same account at once: the second one's insert
    fails on the unique key inside a savepoint and it reads the first one's.
    """
    if assurance not in LEVELS:
        raise InvalidData(f"unknown assurance level '{assurance}'")
    account = _find(session, issuer, subject)
    if account is None:
        try:
            with session.begin_nested():
                account = ApplicantAccount(issuer=issuer, subject=subject, assurance=assurance, created_at=now)
                session.add(account)
        except IntegrityError:
            account = _find(session, issuer, subject)
    account.assurance = assurance
    if signing_in:
        account.last_login_at = now
    session.flush()
    return account


def sign_out(session: Session, account: ApplicantAccount, now: datetime) -> None:
    """End every portal session of the account begun until now (also copies of the cookie elsewhere)."""
    account.signed_out_at = now
    session.flush()


def session_valid(account: ApplicantAccount, began: datetime | None) -> bool:
    """Tell whether a portal session that began at ``began`` still counts for the account."""
    return began is not None and (account.signed_out_at is None or began > account.signed_out_at)


def link_case(session: Session, account: ApplicantAccount, case: Case, channel: str, now: datetime) -> CaseLink:
    """Link a case to an applicant (once; linking again returns the existing link)."""
    if channel not in LINK_CHANNELS:
        raise InvalidData(f"unknown channel '{channel}'")
    link = session.scalar(select(CaseLink).where(CaseLink.case_id == case.id, CaseLink.account_id == account.id))
    if link is None:
        link = CaseLink(account_id=account.id, case_id=case.id, authority_id=case.authority_id, channel=channel,
                        linked_at=now)
        session.add(link)
        session.flush()
    return link


def cases_of(session: Session, account_id: str) -> list[Case]:
    """The applicant's cases, newest first."""
    return list(session.scalars(
        select(Case).join(CaseLink, CaseLink.case_id == Case.id).where(CaseLink.account_id == account_id)
        .order_by(Case.started_at.desc(), Case.id)
    ))


def case_of(session: Session, account_id: str, case_id: str) -> Case:
    """One case of the applicant.

    Raises:
        NotFound: no such case, or it is someone else's (the same answer for both).
    """
    case = session.scalar(
        select(Case).join(CaseLink, CaseLink.case_id == Case.id)
        .where(CaseLink.account_id == account_id, Case.id == case_id)
    )
    if case is None:
        raise NotFound("Diesen Antrag gibt es nicht, oder er gehört nicht zu Ihrem Konto.")
    return case


def get_account(session: Session, account_id: str) -> ApplicantAccount | None:
    """The account with this id, or None."""
    return session.get(ApplicantAccount, account_id)


def _find(session: Session, issuer: str, subject: str) -> ApplicantAccount | None:
    return session.scalar(select(ApplicantAccount).where(ApplicantAccount.issuer == issuer,
                                                        ApplicantAccount.subject == subject))
