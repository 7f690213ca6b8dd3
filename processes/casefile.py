"""Application services for the case file: upload, read, deliver, close, reopen.

Each checks who may do what (roles, authority, confidentiality) and calls the
E-Akte; the caller's transaction commits the change with its audit events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterator

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from eakte import akten, audit, dokumente, zustellung
from eakte.errors import AccessDenied, EakteError, NotFound
from eakte.intake import check_content
from eakte.models import Akte, Dokument, DokumentVersion, Vorgang, Zustellung
from eakte.storage import DocumentStore
from engine.errors import Conflict, Forbidden
from engine.models import Case, User, UserTask
from processes import file_rules
from processes.casework import get_case


def file_of_case(session: Session, user: User, case_id: str) -> Akte:
    """Return the file a case of the user's authority is recorded in."""
    case = get_case(session, user, case_id)
    vorgang = akten.vorgang_of_case(session, case.id)
    if vorgang is None:
        raise EakteError(f"case '{case_id}' has no case file")
    return session.get(Akte, vorgang.akte_id)


def view_case(session: Session, user: User, case_id: str) -> Case:
    """Return a case for display and log that its (personal) data was viewed."""
    case = get_case(session, user, case_id)
    audit.record(session, audit.case_stream(case.id), "case.viewed", actor=user.username,
                 authority_id=case.authority_id, case_id=case.id, data={})
    return case


def upload_document(
    session: Session, store: DocumentStore, user: User, case_id: str, *, data: bytes, filename: str | None,
    subject: str, doc_type: str, direction: str, now: datetime, task_id: str | None = None,
    confidentiality: str | None = None,
) -> DokumentVersion:
    """Check uploaded content and file it as a new document of the case."""
    case = get_case(session, user, case_id)
    task_name = None
    if task_id is not None:
        task = session.scalar(select(UserTask).where(UserTask.id == task_id, UserTask.case_id == case.id))
        if task is None:
            raise EakteError(f"task '{task_id}' does not belong to this case")
        task_name = task.name
    content = check_content(data, filename)
    vorgang = akten.vorgang_of_case(session, case.id)
    return dokumente.store_document(
        session, store, vorgang, content, subject=subject, doc_type=doc_type, direction=direction,
        actor=user.username, now=now, task_id=task_id, task_name=task_name, confidentiality=confidentiality,
    )


def upload_version(
    session: Session, store: DocumentStore, user: User, dokument_id: str, *, data: bytes, filename: str | None,
    now: datetime,
) -> DokumentVersion:
    """File new content as the next version of a document."""
    current = dokumente.get_version(session, user.authority_id, dokument_id)
    return dokumente.add_version(session, store, current.dokument, check_content(data, filename),
                                 actor=user.username, now=now)


def read_document(
    session: Session, store: DocumentStore, user: User, dokument_id: str, version: int | None, original: bool,
) -> tuple[DokumentVersion, Iterator[bytes]]:
    """Return a version and its content stream; the read is logged."""
    found = dokumente.get_version(session, user.authority_id, dokument_id, version)
    stream = dokumente.read_content(
        session, store, found, actor=user.username, roles=user.roles,
        works_on_case=_works_on_case(session, user, found.dokument),
        original=original,
    )
    return found, stream


def deliver_notice(
    session: Session, user: User, case_id: str, dokument_id: str, *, recipient: str, ttl_days: int, now: datetime,
) -> tuple[Zustellung, str]:
    """Make the current version of a notice in the case's file available for download (``zustellung.make_available``).

    Returns:
        The delivery and the link token (shown once, never stored).

    Raises:
        NotFound: The document is not in the case's file.
        AccessDenied: Its confidentiality does not allow this user to open it.
        NotDeliverable, FileClosed, EakteError: As ``zustellung.make_available``.
    """
    akte = file_of_case(session, user, case_id)
    version = dokumente.get_version(session, user.authority_id, dokument_id)
    dokument = version.dokument
    if dokument.akte_id != akte.id:
        raise NotFound(f"no document '{dokument_id}' in file {akte.aktenzeichen}")
    if not dokumente.may_open(dokument.confidentiality, user.roles, _works_on_case(session, user, dokument)):
        raise AccessDenied(f"the document is classified '{dokument.confidentiality}'")
    return zustellung.make_available(session, version, recipient=recipient, now=now, ttl_days=ttl_days,
                                     actor=user.username)


def _works_on_case(session: Session, user: User, dokument: Dokument) -> bool:
    case_id = session.scalar(select(Vorgang.case_id).where(Vorgang.id == dokument.vorgang_id))
    return bool(session.scalar(select(exists().where(
        UserTask.case_id == case_id, (UserTask.assignee_id == user.id) | (UserTask.completed_by == user.id)
    ))))


def close_file(session: Session, user: User, akte_id: str, now: datetime) -> Akte:
    """Close a file (zdA) by hand, as ``file_rules.check_may_close`` allows.

    Raises:
        FileHasActiveCases: A case of the file is running or suspended (409).
        Forbidden: A clerk who did not work on a case of the file (403).
        FileClosed: The file is closed already (409).
    """
    akte = akten.get_akte(session, user.authority_id, akte_id=akte_id)
    _check_may_close(session, user, akte)
    return akten.close_akte(session, akte, now=now, actor=user.username)


def close_refusal(session: Session, user: User, akte: Akte) -> Conflict | Forbidden | None:
    """Return why ``user`` could not close the open file ``akte`` now, or None (to offer the action or explain)."""
    try:
        _check_may_close(session, user, akte)
    except (Conflict, Forbidden) as refusal:
        return refusal
    return None


def _check_may_close(session: Session, user: User, akte: Akte) -> None:
    case_ids = [v.case_id for v in akte.vorgaenge if v.case_id]
    statuses = list(session.scalars(select(Case.status).where(Case.id.in_(case_ids)))) if case_ids else []
    file_rules.check_may_close(akte.aktenzeichen, statuses, is_supervisor=user.has_role("supervisor"),
                               worked_on_file=_worked_on_cases(session, user, case_ids))


def _worked_on_cases(session: Session, user: User, case_ids: list[str]) -> bool:
    if not case_ids:
        return False
    return bool(session.scalar(select(exists().where(
        UserTask.case_id.in_(case_ids), (UserTask.assignee_id == user.id) | (UserTask.completed_by == user.id)
    ))))


def reopen_file(session: Session, user: User, akte_id: str, reason: str) -> Akte:
    """Reopen a closed file; supervisors only, with a reason."""
    if not user.has_role("supervisor"):
        raise Forbidden("only supervisors may reopen a closed file")
    akte = akten.get_akte(session, user.authority_id, akte_id=akte_id)
    return akten.reopen_akte(session, akte, actor=user.username, reason=reason)
