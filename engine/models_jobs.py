"""Tables of background execution: jobs, their events, incidents, kept messages.

A job is one unit of work for a worker: run a service task, fire a timer, send
a message, start a case on a timer start event's schedule (``start_timer``:
no case yet, the definition id is in the payload), route a message or signal
to other cases (``event``), continue a calling case (``call``), or do work
outside any case (``background``: a registered background operation, e.g.
polling FIT-Connect). Jobs of one case share the
lock key (the case id): at most
one of them is ``doing`` at a time (partial unique index). Among waiting jobs
the dedupe key is unique, so the same timer or service task is never queued
twice. Every status transition is recorded in ``engine_job_events``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow

JOB_STATUSES = ("todo", "doing", "done", "failed", "cancelled")
JOB_KINDS = ("service", "timer", "outbox", "start_timer", "background", "event", "call")
STEP_JOB_KINDS = ("service", "timer")
"""Jobs that drive a case's next steps; they end with the case (completed or cancelled).

An ``outbox`` job carries out an effect of a step that was already taken (a
message to send) and runs even after its case ended. So does an ``event`` job
(a message or signal the case threw, routed to other cases, engine/routing.py)
and a ``call`` job (a child case ended: its calling case continues,
engine/calls.py).
"""
AFTER_END_KINDS = ("outbox", "event")
"""Jobs that still run after their case ended (see above)."""


class Job(Base):
    """A unit of background work, claimed by one worker at a time."""

    __tablename__ = "engine_jobs"
    __table_args__ = (
        Index("ix_engine_jobs_claim", "status", "run_at"),
        Index("ix_engine_jobs_case", "case_id", "status"),
        Index(
            "uq_engine_jobs_lock_key_doing", "lock_key", unique=True,
            postgresql_where=text("status = 'doing'"), sqlite_where=text("status = 'doing'"),
        ),
        Index(
            "uq_engine_jobs_dedupe_key_todo", "dedupe_key", unique=True,
            postgresql_where=text("status = 'todo'"), sqlite_where=text("status = 'todo'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    authority_id: Mapped[str | None] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("engine_cases.id"))
    lock_key: Mapped[str | None] = mapped_column(String(100))
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="todo")
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    worker: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class JobEvent(Base):
    """One status transition of a job (queued, claimed, retry, done, failed, ...)."""

    __tablename__ = "engine_job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("engine_jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    worker: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Incident(Base):
    """A job that failed after all its retries; open until a retry succeeds."""

    __tablename__ = "engine_incidents"
    __table_args__ = (Index("ix_engine_incidents_open", "authority_id", "resolved_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str | None] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("engine_jobs.id"), index=True)
    task_bpmn_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]
    retried_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]


class CaseMessage(Base):
    """A message sent to a case: delivered at once, or kept until the case waits for it."""

    __tablename__ = "engine_case_messages"
    __table_args__ = (Index("ix_engine_case_messages_pending", "case_id", "status", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"))
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, delivered, expired
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(200))


class EventSubscription(Base):
    """A message or signal a running case can catch now (projected from its state after every step).

    Signals are broadcast to every subscribed case of the authority; messages
    thrown by another case go to one subscribed case (engine/routing.py).
    """

    __tablename__ = "engine_event_subscriptions"
    __table_args__ = (Index("ix_engine_event_subscriptions_lookup", "authority_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # message, signal
    name: Mapped[str] = mapped_column(String(200))
