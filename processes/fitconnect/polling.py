"""Polling in the worker: one ``background`` job per authority, and callbacks that make it run at once.

Each authority with FIT-Connect destinations has one waiting poll job
(dedupe key ``fitconnect-poll:<authority id>``). A worker claims it like any
job (``FOR UPDATE SKIP LOCKED``), receives what is waiting and, in the
transaction that finishes the job, queues the next poll ``poll_interval``
seconds later. Nothing lives in a process: a worker that dies mid-poll leaves
its job to be reclaimed, and the submissions it had not decided are listed
again. ``schedule_polling`` (worker start, demo) queues the first job of every
configured authority; a callback from the Zustelldienst moves the waiting job
to now.

A callback (``POST /api/v1/fitconnect/callbacks/<authority>``) carries an
HMAC-SHA512 of ``timestamp + "." + body`` in ``callback-authentication`` (hex)
and the UNIX time in ``callback-timestamp``; it is taken only with the
authority's callback secret and if it is at most five minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs
from engine.db import transaction
from engine.identity import get_authority
from engine.errors import NotFound
from engine.models import Authority
from engine.models_jobs import Job
from engine.registry import BackgroundCall, ServiceRegistry
from eakte.storage import DocumentStore
from processes.config_files import ConfigError
from processes.fitconnect.client import FitConnectUnavailable
from processes.fitconnect.config import FitConnectConfig
from processes.fitconnect.subscriber import Subscriber

log = logging.getLogger(__name__)
OPERATION = "fitconnect.poll"
CALLBACK_MAX_AGE = timedelta(minutes=5)
CALLBACK_TYPE = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"


class CallbackRefused(Exception):
    """A callback that is not taken; ``status`` is the HTTP answer, the message the reason."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def register(registry: ServiceRegistry, store: Callable[[], DocumentStore], config: FitConnectConfig) -> None:
    """Register the poll operation for the worker."""

    def poll(call: BackgroundCall):
        with transaction(call.factory) as session:
            authority = session.get(Authority, call.authority_id)
            slug = authority.slug if authority else None
        access = config.authorities.get(slug or "")
        if access is None:
            log.info("FIT-Connect is no longer configured for authority %s; polling ends", slug)
            return None
        try:
            outcomes = Subscriber(call.factory, call.ctx, store(), config, access, call.authority_id).poll()
        except FitConnectUnavailable as exc:  # the next poll tries again; nothing was decided
            log.warning("FIT-Connect poll of %s failed: %s", slug, exc)
        except ConfigError as exc:  # a secret or key file is missing: said at every poll until it is fixed
            log.error("FIT-Connect poll of %s cannot run: %s", slug, exc)
        else:
            if outcomes:
                log.info("FIT-Connect poll of %s: %s", slug, ", ".join(f"{o.submission_id} {o.result}" for o in outcomes))
        next_at = call.ctx.clock() + timedelta(seconds=access.poll_interval)
        return lambda session: _queue(session, call.authority_id, now=call.ctx.clock(), run_at=next_at)

    registry.register_background(OPERATION, poll)


def schedule_polling(factory: sessionmaker[Session], config: FitConnectConfig, now: datetime) -> list[str]:
    """Queue the poll job of every configured authority that has none waiting; return their slugs."""
    scheduled = []
    with transaction(factory) as session:
        for slug in config.authorities:
            try:
                authority = get_authority(session, slug)
            except NotFound:
                log.error("FIT-Connect is configured for authority '%s', which does not exist", slug)
                continue
            if _queue(session, authority.id, now=now, run_at=now) is not None:
                scheduled.append(slug)
    return scheduled


def poll_now(session: Session, authority_id: str, now: datetime) -> None:
    """Make the authority's waiting poll job due now, or queue one (a callback announced new submissions)."""
    moved = session.execute(
        update(Job).where(Job.dedupe_key == _dedupe_key(authority_id), Job.status == "todo", Job.run_at > now)
        .values(run_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        _queue(session, authority_id, now=now, run_at=now)


def take_callback(session: Session, config: FitConnectConfig, slug: str, body: bytes, signature: str | None,
                  timestamp: str | None, now: datetime) -> list[str]:
    """Check a callback of the Zustelldienst and make the authority's poll due; return the announced submissions.

    Raises:
        CallbackRefused: unknown authority (404), missing, stale or wrong signature (401), or a body that is not
            a new-submissions callback (400).
    """
    access = config.authorities.get(slug)
    key = access.callback_key() if access else None
    if key is None:
        raise CallbackRefused(f"no FIT-Connect callback is configured for authority '{slug}'", 404)
    if not signature or not timestamp:
        raise CallbackRefused("the headers callback-authentication and callback-timestamp are required", 401)
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        raise CallbackRefused("callback-timestamp is not a UNIX time in seconds", 401) from None
    if not now - CALLBACK_MAX_AGE <= sent_at <= now + timedelta(seconds=60):
        raise CallbackRefused("callback-timestamp is more than five minutes off; the callback is not taken", 401)
    expected = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha512).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise CallbackRefused("callback-authentication does not match the body (HMAC-SHA512)", 401)
    try:
        payload = json.loads(body)
    except ValueError:
        raise CallbackRefused("the body is not JSON", 400) from None
    if not isinstance(payload, dict) or payload.get("type") != CALLBACK_TYPE:
        raise CallbackRefused(f"the body is not a callback of type {CALLBACK_TYPE}", 400)
    submissions = [s for s in payload.get("submissionIds") or [] if isinstance(s, str)]
    authority = get_authority(session, slug)
    poll_now(session, authority.id, now)
    return submissions


def _queue(session: Session, authority_id: str, *, now: datetime, run_at: datetime) -> Job | None:
    return jobs.enqueue(session, "background", now=now, run_at=run_at, authority_id=authority_id,
                        payload={"operation": OPERATION}, dedupe_key=_dedupe_key(authority_id), max_attempts=3)


def _dedupe_key(authority_id: str) -> str:
    return f"fitconnect-poll:{authority_id}"


def waiting_poll(session: Session, authority_id: str) -> Job | None:
    """The authority's waiting poll job, if any."""
    return session.scalar(select(Job).where(Job.dedupe_key == _dedupe_key(authority_id), Job.status == "todo"))
