"""The background worker: claim a job, do its work, commit effect and completion together.

One loop per thread (``run_workers`` starts several); any number of worker
processes on any number of machines can share one PostgreSQL database.

For each job:

1. claim it (own transaction, see engine.jobs) and start a heartbeat thread
   that extends the lease while the job runs;
2. *prepare* outside any transaction: a service job calls the operation (a
   Python handler or the HTTP connector); a timer job has nothing to prepare;
   a ``background`` job runs its operation, which commits each item it
   handles in a transaction of its own (engine.registry.BackgroundCall);
3. *apply* in one transaction: lock the case, advance it, write audit events,
   ``jobs.finish`` — committed together, or not at all (a ``start_timer`` job
   starts a case and queues its schedule's next occurrence, engine.start_timers;
   an ``event`` job delivers a message or signal another case threw, a ``call``
   job continues a calling case after its child case ended, engine.case_events);
4. on an error: roll back, then ``jobs.fail`` schedules a retry with exponential
   backoff and jitter, or, with no attempts left, opens an incident (written
   into the case's audit log in the same transaction).

A case suspended between the claim and the apply step is noticed when the
case row is locked: the job is handed back (``jobs.release``, the attempt does
not count) and runs once the case is resumed. A service call already made is
not made again: its result is kept in the job's payload and applied then. A
job of a case that ended meanwhile (cancelled, completed) finishes without
effect.

Graceful stop: ``stop`` (set by SIGTERM in the CLI) is checked between jobs, so
the current job is finished before the loop exits. A worker killed outright
leaves its job ``doing``; once the lease has expired, any worker's periodic
housekeeping (``reclaim_expired``, and ``expire_messages`` for kept messages
past their time-to-live) puts it back and it runs again from the unchanged case.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine import case_events, jobs, messages, runner, start_timers
from engine.connectors.http import ConnectorOperation
from engine.connectors.systems import declared_operation
from engine.registry import BackgroundCall, CaseCall, CaseOperation
from engine.db import transaction
from engine.models import Authority, Case
from engine.models_jobs import Incident
from engine.runner import EngineContext

log = logging.getLogger(__name__)

Effect = Callable[[Session], None]


class JobError(Exception):
    """A job cannot do its work (the message goes into the retry record or incident)."""


class CaseSuspended(Exception):
    """The job's case was suspended after the claim; the job is handed back, not failed.

    Args:
        case_id: The suspended case.
        keep_payload: The payload the job keeps for its next attempt (e.g. with the
            result of a call already made), or None to leave it as it is.
    """

    def __init__(self, case_id: str, keep_payload: dict | None = None) -> None:
        super().__init__(case_id)
        self.keep_payload = keep_payload


def worker_name() -> str:
    """Return a name unique to this worker thread: host, process id and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Processes jobs one at a time.

    Args:
        factory: Session factory of the database.
        ctx: The engine context (registry, audit sink, clock).
        lease: How long a claim lasts without heartbeat; a dead worker's job waits this long.
        poll_interval: Longest sleep when no job is due; the worker wakes earlier when the next
            waiting job (e.g. a timer) comes due sooner.
        backoff: Retry delays.
        reclaim_interval: Seconds between housekeeping runs: reclaim expired leases, expire kept messages.
        authority_id: Only this authority's jobs (a dedicated worker for one authority); None: all.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        ctx: EngineContext,
        *,
        lease: timedelta = timedelta(seconds=30),
        poll_interval: float = 0.2,
        backoff: jobs.Backoff = jobs.Backoff(),
        reclaim_interval: float = 5.0,
        authority_id: str | None = None,
    ) -> None:
        self.factory, self.ctx, self.authority_id = factory, ctx, authority_id
        self.lease, self.poll_interval, self.backoff = lease, poll_interval, backoff
        self.reclaim_interval = reclaim_interval
        self.name = worker_name()
        self._last_housekeeping = 0.0

    def run(self, stop: threading.Event) -> None:
        """Process jobs until ``stop`` is set; the job in progress is finished first."""
        while not stop.is_set():
            try:
                self._housekeeping_if_due()
                worked = self.run_once()
            except Exception:  # the database went away, ...: keep the worker alive
                log.exception("worker %s: error outside a job", self.name)
                worked = False
            if not worked:
                stop.wait(self._idle_wait())

    def run_once(self) -> bool:
        """Claim and process one due job; return False if none was due."""
        job = jobs.claim(self.factory, self.name, now=self.ctx.clock(), lease=self.lease, authority_id=self.authority_id)
        if job is None:
            return False
        with _Heartbeat(self, job):
            self._process(job)
        return True

    def _process(self, job: jobs.ClaimedJob) -> None:
        try:
            effect = _HANDLERS[job.kind](self, job)
            with transaction(self.factory) as session:
                effect(session)
                jobs.finish(session, job, now=self.ctx.clock())
        except jobs.LeaseLost:
            log.warning("worker %s lost job %s (lease expired); its work was rolled back", self.name, job.id)
        except CaseSuspended as suspended:
            jobs.release(self.factory, job, now=self.ctx.clock(), payload=suspended.keep_payload)
            log.info("job %s handed back: its case %s was suspended", job.id, job.case_id)
        except Exception as exc:  # noqa: BLE001 - every failure of a job is retried, then an incident
            error = _describe(exc)
            outcome = jobs.fail(
                self.factory, job, error, now=self.ctx.clock(), backoff=self.backoff,
                task_bpmn_id=job.payload.get("bpmn_id"), on_incident=self._record_incident,
            )
            log.info("job %s (%s) attempt %d failed (%s): %s", job.id, job.kind, job.attempt, outcome, error)

    def _idle_wait(self) -> float:
        """Seconds to sleep with nothing due: until the next job comes due, at most ``poll_interval``."""
        now = self.ctx.clock()
        try:
            due = jobs.next_due(self.factory, after=now)
        except Exception:  # the database went away: retry after the poll interval
            log.exception("worker %s: cannot read the next due time", self.name)
            return self.poll_interval
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, (due - now).total_seconds())

    def _record_incident(self, session: Session, incident: Incident) -> None:
        if incident.case_id is None:
            return
        case = session.get(Case, incident.case_id)
        self.ctx.events(
            session, case, "incident.opened", None,
            {"incident_id": incident.id, "job_id": incident.job_id, "bpmn_id": incident.task_bpmn_id,
             "error": incident.error, "attempts": incident.attempts},
        )

    def _housekeeping_if_due(self) -> None:
        if time.monotonic() - self._last_housekeeping < self.reclaim_interval:
            return
        self._last_housekeeping = time.monotonic()
        count = jobs.reclaim_expired(self.factory, now=self.ctx.clock())
        if count:
            log.warning("reclaimed %d job(s) whose worker stopped", count)
        with transaction(self.factory) as session:
            expired = messages.expire_messages(session, self.ctx.clock())
        if expired:
            log.info("%d kept message(s) expired", expired)


def _prepare_service(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    payload = job.payload
    if "error" in payload:
        raise JobError(payload["error"])
    operation, params = payload["operation"], payload.get("params", {})
    handler = _service_handler(worker, job, operation)
    if isinstance(handler, CaseOperation):
        return _case_operation_effect(worker, job, handler, operation, params)
    if "outcome" in payload:  # obtained before the case was suspended: not called again
        result, summary = payload["outcome"]["result"], payload["outcome"]["summary"]
    else:
        result, summary = _call_outside(worker, job, handler, operation, params)
        summary = {**summary, "job_id": job.id, "bpmn_id": payload.get("bpmn_id")}
    keep_outcome = {**payload, "outcome": {"result": result, "summary": summary}}

    def apply(session: Session) -> None:
        if _lock_running_case(session, job, keep_payload=keep_outcome) is not None:
            runner.run_service_task(session, worker.ctx, job.case_id, payload["task_id"], result, summary)

    return apply


def _service_handler(worker: Worker, job: jobs.ClaimedJob, operation: str):
    """Return the registered handler of ``operation``, or the operation the case's package declares for it."""
    if operation in worker.ctx.registry or job.case_id is None:
        return worker.ctx.registry.get(operation)
    with transaction(worker.factory) as session:
        case = session.get(Case, job.case_id)
        declaration = worker.ctx.declared_operations(case.definition).get(operation) if case else None
        if declaration is None:
            return worker.ctx.registry.get(operation)  # raises UnknownOperation naming the registered ones
        authority = session.get(Authority, case.authority_id)
        return declared_operation(session, worker.ctx.connectors, declaration, authority.id, authority.slug)


def _call_outside(worker: Worker, job: jobs.ClaimedJob, handler, operation: str, params: dict) -> tuple:
    """Call a connector or plain handler outside any transaction; return its result and an audit summary."""
    if isinstance(handler, ConnectorOperation):
        with transaction(worker.factory) as session:
            authority = session.get(Authority, job.authority_id) if job.authority_id else None
            slug = authority.slug if authority else None
        outcome = handler.call(slug, params, idempotency_key=job.id)
        return outcome.result, outcome.summary
    result = json.loads(json.dumps(handler(**params)))
    return result, {"operation": operation, "request": params, "response": result}


def _prepare_outbox(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    """Send a message queued by a step (e.g. a delivery link to the applicant's mailbox).

    The message may carry a secret (a download token), so only the operation and
    the parameter names go into the audit log, and the job's payload is emptied
    once it was sent. If the worker dies after sending and before the commit,
    the message is sent again (with the same Idempotency-Key).
    """
    operation, params = job.payload["operation"], job.payload.get("params", {})
    _call_outside(worker, job, worker.ctx.registry.get(operation), operation, params)

    def apply(session: Session) -> None:
        jobs.scrub_payload(session, job, {"operation": operation, "sent": True})
        case = session.get(Case, job.case_id) if job.case_id else None
        if case is not None:
            worker.ctx.events(session, case, "message.sent", None,
                              {"operation": operation, "fields": sorted(params), "job_id": job.id})

    return apply


def _case_operation_effect(worker: Worker, job: jobs.ClaimedJob, handler: CaseOperation, operation: str,
                           params: dict) -> Effect:
    """A case operation runs inside the transaction that applies its result (see engine/registry.py)."""

    def apply(session: Session) -> None:
        case = _lock_running_case(session, job)
        if case is None:
            return
        result = json.loads(json.dumps(handler(CaseCall(session, case, worker.ctx.clock()), **params)))
        summary = {"operation": operation, "request": params, "response": result, "job_id": job.id,
                   "bpmn_id": job.payload.get("bpmn_id"), "built_in": True}
        runner.run_service_task(session, worker.ctx, job.case_id, job.payload["task_id"], result, summary)

    return apply


def _prepare_timer(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    def apply(session: Session) -> None:
        if _lock_running_case(session, job) is not None:
            runner.advance_case(session, worker.ctx, job.case_id)

    return apply


def _prepare_event(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    def apply(session: Session) -> None:
        case_events.route_event(session, worker.ctx, job.payload)

    return apply


def _prepare_call(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    def apply(session: Session) -> None:
        if _lock_running_case(session, job) is not None:
            case_events.resume_call(session, worker.ctx, job.payload)

    return apply


def _prepare_start_timer(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    def apply(session: Session) -> None:
        start_timers.fire(session, worker.ctx, job.payload)

    return apply


def _prepare_background(worker: Worker, job: jobs.ClaimedJob) -> Effect:
    """Run a background operation (it commits its own items); its returned effect finishes with the job."""
    handler = worker.ctx.registry.background(job.payload["operation"])
    call = BackgroundCall(worker.factory, worker.ctx, job.authority_id, job.payload.get("params", {}), job.id,
                          job.case_id)
    effect = handler(call)
    return effect if effect is not None else (lambda session: None)


def _lock_running_case(session: Session, job: jobs.ClaimedJob, keep_payload: dict | None = None) -> Case | None:
    """Lock the job's case; return None if it ended (the job has nothing left to do).

    Raises:
        CaseSuspended: the case is suspended; the job waits for it to be resumed,
            with ``keep_payload`` as its payload if given.
    """
    case = runner.lock_case(session, job.case_id)
    if case.status == "suspended":
        raise CaseSuspended(case.id, keep_payload)
    return case if case.status == "running" else None


_HANDLERS: dict[str, Callable[[Worker, jobs.ClaimedJob], Effect]] = {
    "service": _prepare_service,
    "timer": _prepare_timer,
    "outbox": _prepare_outbox,
    "start_timer": _prepare_start_timer,
    "event": _prepare_event,
    "call": _prepare_call,
    "background": _prepare_background,
}


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:4000]


class _Heartbeat:
    """Extends the job's lease every third of the lease while the job runs."""

    def __init__(self, worker: Worker, job: jobs.ClaimedJob):
        self.worker, self.job = worker, job
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job.id[:8]}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = self.worker.lease.total_seconds() / 3
        while not self._done.wait(interval):
            try:
                if not jobs.heartbeat(self.worker.factory, self.job, now=self.worker.ctx.clock(), lease=self.worker.lease):
                    return
            except Exception:  # noqa: BLE001 - a missed beat only risks a reclaim, which is safe
                log.exception("heartbeat of job %s failed", self.job.id)


def run_workers(factory: sessionmaker[Session], ctx: EngineContext, stop: threading.Event, *, concurrency: int = 1,
                **options) -> None:
    """Run ``concurrency`` worker loops in threads until ``stop`` is set; return when all finished."""
    workers = [Worker(factory, ctx, **options) for _ in range(concurrency)]
    threads = [threading.Thread(target=w.run, args=(stop,), name=f"worker-{i}") for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            # With a timeout: a signal that hit a worker thread (busy in C code, e.g. rendering)
            # only runs its Python handler (stop) once the main thread wakes up.
            thread.join(timeout=0.5)
