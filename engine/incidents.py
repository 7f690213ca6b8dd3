"""Incidents: jobs that failed after all retries, listed and retried by supervisors."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import jobs
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import Case, User
from engine.models_jobs import Incident
from engine.runner import EngineContext


def list_incidents(session: Session, user: User, *, open_only: bool = True, offset: int = 0,
                   limit: int = 25) -> tuple[list[Incident], int]:
    """Return one page of the authority's incidents (newest first) and the total count."""
    condition = [Incident.authority_id == user.authority_id]
    if open_only:
        condition.append(Incident.resolved_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Incident).where(*condition)) or 0
    rows = session.scalars(
        select(Incident).where(*condition).order_by(Incident.created_at.desc(), Incident.id).offset(offset).limit(limit)
    )
    return list(rows), total


def retry_incident(session: Session, ctx: EngineContext, user: User, incident_id: str) -> Incident:
    """Queue the incident's job again with fresh attempts (supervisors only).

    The incident stays open until the job succeeds; a renewed failure updates it.

    Raises:
        Forbidden: the user is no supervisor.
        NotFound: no such incident in the user's authority.
        Conflict: the incident is resolved or already being retried.
    """
    if not user.has_role("supervisor"):
        raise Forbidden("only supervisors may retry incidents")
    incident = session.scalar(
        select(Incident).where(Incident.id == incident_id, Incident.authority_id == user.authority_id)
        .with_for_update(of=Incident)
    )
    if incident is None:
        raise NotFound(f"no incident with id '{incident_id}'")
    if incident.resolved_at is not None:
        raise Conflict("the incident is already resolved")
    now = ctx.clock()
    if not jobs.retry_failed(session, incident.job_id, now=now, actor=user.username):
        raise Conflict("the incident's job is already queued again")
    incident.retried_at, incident.retried_by = now, user.username
    if incident.case_id is not None:
        case = session.get(Case, incident.case_id)
        ctx.events(session, case, "incident.retried", user.username, {"incident_id": incident.id, "job_id": incident.job_id})
    session.flush()
    return incident
