"""The job queue in the database: enqueue, claim, heartbeat, finish, retry.

Life of a job (every transition is a row in ``engine_job_events``)::

    todo --claim--> doing --finish--> done
      ^               |--fail (attempts left)--> todo (run_at = now + backoff)
      |               |--fail (no attempts left)--> failed (+ incident)
      |               |--release (graceful stop)--> todo
      +--lease expired (worker died)--+

Claiming is one statement (``UPDATE ... WHERE id = (SELECT ... ORDER BY run_at
LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ...``) committed on its own; the work
then runs in a new transaction that ends with :func:`finish`. ``finish`` only
succeeds while the claim is still the worker's own (same attempt number, still
``doing``); if the lease expired and another worker took the job over, it raises
:class:`LeaseLost` and the caller rolls its whole transaction back. So a job's
effect is committed at most once, and (because expired leases are reclaimed)
at least once.

Only one job per lock key (the case id) may be ``doing`` at a time: the claim
skips keys that are busy, and a partial unique index settles the race between
two workers claiming two jobs of one case at the same instant. Jobs of cases
that are not running (suspended, cancelled, completed) are not claimed, except
``outbox`` jobs: they send what an already committed step produced. The
claim walks the ``(status, run_at)`` index in due order and joins each
candidate's case by primary key, so its cost does not grow with the number of
cases or of jobs waiting for later (measured with EXPLAIN ANALYZE: a hashed
``EXISTS`` over the cases read every running case on each claim). An idle
worker asks :func:`next_due` when to look again.

SQLite has no row locks; its transactions start with ``BEGIN IMMEDIATE``, which
serializes claims. One worker process is supported there.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from engine.db import is_postgres, new_id, transaction
from engine.models import Case
from engine.models_jobs import AFTER_END_KINDS, Incident, Job, JobEvent


class LeaseLost(Exception):
    """The worker's claim on a job ended (lease expired and the job was reclaimed)."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job as claimed by a worker (a plain snapshot, detached from any session).

    ``failed_before`` tells that an earlier attempt failed, so the job may have an open incident.
    """

    id: str
    kind: str
    case_id: str | None
    authority_id: str | None
    payload: dict
    attempt: int
    max_attempts: int
    worker: str
    failed_before: bool = False


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: ``base * 2**(attempt-1)``, capped, times 0.5..1."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0

    def delay(self, attempt: int) -> timedelta:
        """Return how long to wait after the ``attempt``-th failure (1-based)."""
        full = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        return timedelta(seconds=full * random.uniform(0.5, 1.0))


def enqueue(
    session: Session,
    kind: str,
    *,
    now: datetime,
    payload: dict | None = None,
    case_id: str | None = None,
    authority_id: str | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> Job | None:
    """Queue a job in the caller's transaction; skip it if an equal one is waiting.

    Args:
        session: The caller's session (the job commits with the change that caused it).
        kind: Job kind, see ``engine.models_jobs.JOB_KINDS``.
        now: Current time (from the engine's clock).
        payload: JSON data for the handler.
        case_id: The case the job works on; it is also the lock key.
        authority_id: The case's authority.
        run_at: When the job becomes due (default: now).
        dedupe_key: If a waiting job has this key, nothing is queued.
        max_attempts: Attempts before the job fails for good (and an incident opens).

    Returns:
        The new job, or None if an equal job was already waiting.
    """
    if dedupe_key is not None and session.scalar(
        select(Job.id).where(Job.dedupe_key == dedupe_key, Job.status == "todo")
    ):
        return None
    job = Job(
        id=new_id(), kind=kind, payload=payload or {}, case_id=case_id, authority_id=authority_id,
        lock_key=case_id, dedupe_key=dedupe_key, run_at=run_at or now, max_attempts=max_attempts,
        created_at=now, status="todo", attempts=0,
    )
    session.add(job)
    session.add(JobEvent(job_id=job.id, kind="queued", at=now))
    return job


def claim(factory: sessionmaker[Session], worker: str, *, now: datetime, lease: timedelta,
          authority_id: str | None = None) -> ClaimedJob | None:
    """Claim the next due job (of one authority, if given) in one statement and commit the claim.

    The candidate is read straight off the ``(status, run_at)`` index in due
    order; for each row the statement joins its case by primary key (an outer
    join: the planner knows how many cases run, which it cannot know for a
    subquery, and keeps the ordered index scan on small tables too) and checks
    the partial unique index on running lock keys, so the cost does not grow
    with the number of cases or waiting jobs.

    Returns:
        The claimed job, or None if nothing is due (or a concurrent claim won a race).
    """
    busy = aliased(Job)
    candidate = (
        select(Job.id)
        .outerjoin(Case, Case.id == Job.case_id)
        .where(
            Job.status == "todo",
            Job.run_at <= now,
            or_(Job.case_id.is_(None), Case.status == "running", Job.kind.in_(AFTER_END_KINDS)),
            ~exists().where(busy.lock_key == Job.lock_key, busy.status == "doing"),
            *([Job.authority_id == authority_id] if authority_id is not None else []),
        )
        .order_by(Job.run_at)
        .limit(1)
        .with_for_update(skip_locked=True, of=Job)
    )
    statement = (
        update(Job)
        .where(Job.id == candidate.scalar_subquery())
        .values(status="doing", worker=worker, attempts=Job.attempts + 1, lease_expires_at=now + lease)
        .returning(Job.id, Job.kind, Job.case_id, Job.authority_id, Job.payload, Job.attempts, Job.max_attempts,
                   Job.last_error.is_not(None))
        .execution_options(synchronize_session=False)
    )
    try:
        with transaction(factory) as session:
            row = session.execute(statement).first()
            if row is None:
                return None
            session.add(JobEvent(job_id=row.id, kind="claimed", worker=worker, detail=f"attempt {row.attempts}", at=now))
    except IntegrityError:  # another worker claimed a job of the same case at the same instant
        return None
    return ClaimedJob(row.id, row.kind, row.case_id, row.authority_id, row.payload or {}, row.attempts,
                      row.max_attempts, worker, failed_before=row[7])


def heartbeat(factory: sessionmaker[Session], job: ClaimedJob, *, now: datetime, lease: timedelta) -> bool:
    """Extend the lease of a job the worker still holds; return False if it was lost."""
    with transaction(factory) as session:
        result = session.execute(_own(job).values(lease_expires_at=now + lease).execution_options(synchronize_session=False))
        return result.rowcount == 1


def finish(session: Session, job: ClaimedJob, *, now: datetime) -> None:
    """Mark the job done in the transaction that applied its effect.

    Also resolves the open incident of the job, if any (only a job that failed
    before can have one).

    Raises:
        LeaseLost: The job is no longer this worker's; roll the transaction back.
    """
    result = session.execute(
        _own(job).values(status="done", finished_at=now, lease_expires_at=None).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"job {job.id} is no longer held by {job.worker}")
    session.add(JobEvent(job_id=job.id, kind="done", worker=job.worker, at=now))
    if job.failed_before:
        session.execute(
            update(Incident).where(Incident.job_id == job.id, Incident.resolved_at.is_(None)).values(resolved_at=now)
            .execution_options(synchronize_session=False)
        )


def scrub_payload(session: Session, job: ClaimedJob, payload: dict) -> None:
    """Replace a job's payload, e.g. to drop a secret once the job's work is done."""
    session.execute(update(Job).where(Job.id == job.id).values(payload=payload).execution_options(synchronize_session=False))


def fail(
    factory: sessionmaker[Session], job: ClaimedJob, error: str, *, now: datetime, backoff: Backoff,
    task_bpmn_id: str | None = None, on_incident: Callable[[Session, Incident], None] | None = None,
) -> str:
    """Record a failed attempt: retry later, or fail for good and open an incident.

    Args:
        on_incident: Called in the same transaction with the opened (or updated) incident,
            e.g. to write it into the case's audit log.

    Returns:
        ``"retry"``, ``"failed"`` (incident opened or updated), or ``"lost"`` (no longer our job).
    """
    with transaction(factory) as session:
        if job.attempt < job.max_attempts:
            result = session.execute(
                _own(job).values(status="todo", run_at=now + backoff.delay(job.attempt), last_error=error,
                                 lease_expires_at=None, worker=None)
                .execution_options(synchronize_session=False)
            )
            outcome = "retry"
        else:
            result = session.execute(
                _own(job).values(status="failed", finished_at=now, last_error=error, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )
            outcome = "failed"
        if result.rowcount != 1:
            return "lost"
        session.add(JobEvent(job_id=job.id, kind=outcome, worker=job.worker, detail=error[:2000], at=now))
        if outcome == "failed":
            incident = _open_incident(session, job, error, now, task_bpmn_id)
            if on_incident is not None:
                on_incident(session, incident)
        return outcome


def release(factory: sessionmaker[Session], job: ClaimedJob, *, now: datetime, payload: dict | None = None) -> None:
    """Give a claimed job back unfinished (graceful stop, suspended case); the attempt does not count.

    Args:
        payload: A new payload for the next attempt (e.g. with a result already obtained); None keeps it.
    """
    values = {"status": "todo", "attempts": Job.attempts - 1, "worker": None, "lease_expires_at": None}
    if payload is not None:
        values["payload"] = payload
    with transaction(factory) as session:
        result = session.execute(_own(job).values(**values).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            session.add(JobEvent(job_id=job.id, kind="released", worker=job.worker, at=now))


def reclaim_expired(factory: sessionmaker[Session], *, now: datetime) -> int:
    """Put jobs whose worker stopped heart-beating back into the queue.

    Returns:
        The number of jobs reclaimed.
    """
    with transaction(factory) as session:
        query = select(Job.id).where(Job.status == "doing", Job.lease_expires_at < now)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return 0
        session.execute(
            update(Job).where(Job.id.in_(ids), Job.status == "doing").values(status="todo", worker=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        session.add_all([JobEvent(job_id=job_id, kind="lease_expired", at=now) for job_id in ids])
        return len(ids)


def retry_failed(session: Session, job_id: str, *, now: datetime, actor: str) -> bool:
    """Queue a failed job again with a fresh set of attempts (supervisor action).

    Returns:
        False if the job was not failed (e.g. already queued again).
    """
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.status == "failed")
        .values(status="todo", attempts=0, run_at=now, finished_at=None, worker=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.add(JobEvent(job_id=job_id, kind="retry_requested", worker=None, detail=f"by {actor}", at=now))
    return True


def cancel_waiting(session: Session, case_id: str, *, now: datetime, kinds: tuple[str, ...] | None = None,
                   keep_dedupe_keys: set[str] | None = None) -> int:
    """Cancel a case's waiting jobs (all, or of some kinds except those with the given dedupe keys).

    One ``UPDATE ... RETURNING`` on the case's jobs (index on case id and status).
    """
    condition = [Job.case_id == case_id]
    if kinds is not None:
        condition.append(Job.kind.in_(kinds))
    if keep_dedupe_keys:
        condition.append(or_(Job.dedupe_key.is_(None), Job.dedupe_key.not_in(keep_dedupe_keys)))
    return cancel_waiting_where(session, *condition, now=now)


def cancel_waiting_where(session: Session, *conditions, now: datetime, detail: str | None = None) -> int:
    """Cancel the waiting jobs that match ``conditions`` in one ``UPDATE ... RETURNING``; return how many."""
    ids = list(session.scalars(
        update(Job).where(Job.status == "todo", *conditions).values(status="cancelled", finished_at=now)
        .returning(Job.id).execution_options(synchronize_session=False)
    ))
    session.add_all([JobEvent(job_id=job_id, kind="cancelled", detail=detail, at=now) for job_id in ids])
    return len(ids)


def next_due(factory: sessionmaker[Session], *, after: datetime) -> datetime | None:
    """Return when the next waiting job comes due after ``after`` (read off the claim index), or None."""
    with transaction(factory) as session:
        return session.scalar(select(func.min(Job.run_at)).where(Job.status == "todo", Job.run_at > after))


def count_by_status(session: Session) -> dict[str, int]:
    """Return the number of jobs per status."""
    return dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())


def _own(job: ClaimedJob):
    """UPDATE of ``job`` that only matches while this worker's claim is current."""
    return update(Job).where(Job.id == job.id, Job.status == "doing", Job.worker == job.worker, Job.attempts == job.attempt)


def _open_incident(session: Session, job: ClaimedJob, error: str, now: datetime, task_bpmn_id: str | None) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.job_id == job.id, Incident.resolved_at.is_(None)))
    if incident is None:
        incident = Incident(
            id=new_id(), authority_id=job.authority_id, case_id=job.case_id, job_id=job.id,
            task_bpmn_id=task_bpmn_id, error=error, attempts=job.attempt, created_at=now,
        )
        session.add(incident)
    else:
        incident.error, incident.attempts = error, incident.attempts + job.attempt
    session.flush()
    return incident
