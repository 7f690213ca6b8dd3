"""Append-only audit log with a hash chain per stream.

Every stream (``case/<id>``, ``definition/<key>``, ``authority/<id>``) is a
chain: each event stores the hash of its predecessor and its own hash over
all its fields. ``verify_all`` recomputes every chain and names the first
broken event. Appends lock the stream's head row, so concurrent writers to
the same stream queue up instead of forking the chain; the event is written
in the caller's transaction, so it exists exactly when the change it
describes was committed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from eakte.models.audit import AuditEvent, AuditHead
from engine.db import is_postgres, utcnow

GENESIS_HASH = "0" * 64


def case_stream(case_id: str) -> str:
    """Return the stream name of a case."""
    return f"case/{case_id}"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(event: AuditEvent) -> str:
    """Compute the hash of an event from its fields and its predecessor's hash."""
    payload = {
        "stream": event.stream,
        "seq": event.seq,
        "authority_id": event.authority_id,
        "case_id": event.case_id,
        "kind": event.kind,
        "actor": event.actor,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


def _lock_head(session: Session, stream: str) -> AuditHead:
    if is_postgres(session):
        session.execute(
            pg_insert(AuditHead)
            .values(stream=stream, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["stream"])
        )
    else:
        session.execute(
            AuditHead.__table__.insert().prefix_with("OR IGNORE").values(stream=stream, seq=0, hash=GENESIS_HASH)
        )
    return session.execute(
        select(AuditHead).where(AuditHead.stream == stream).with_for_update()
    ).scalar_one()


def record(
    session: Session,
    stream: str,
    kind: str,
    *,
    actor: str | None,
    authority_id: str | None,
    case_id: str | None = None,
    data: dict | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append an event to ``stream`` inside the caller's transaction."""
    head = _lock_head(session, stream)
    # JSON round trip: the hash must be computed over exactly what the database returns.
    clean_data = json.loads(_canonical(data or {}))
    event = AuditEvent(
        stream=stream,
        seq=head.seq + 1,
        authority_id=authority_id,
        case_id=case_id,
        kind=kind,
        actor=actor,
        occurred_at=occurred_at or utcnow(),
        data=clean_data,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first event of a stream whose chain does not verify."""

    stream: str
    event_id: int | None
    seq: int
    reason: str


def verify_stream(events: list[AuditEvent], head: AuditHead | None) -> ChainBreak | None:
    """Check one stream's events (ordered by seq) against each other and its head."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    stream = events[0].stream if events else (head.stream if head else "")
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(stream, event.id, expected_seq, f"event #{expected_seq} is missing (found #{event.seq})")
        if event.prev_hash != prev_hash:
            return ChainBreak(stream, event.id, event.seq, "previous-hash link does not match the preceding event")
        if compute_hash(event) != event.hash:
            return ChainBreak(stream, event.id, event.seq, "content was altered (hash mismatch)")
        prev_hash = event.hash
        expected_seq += 1
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return ChainBreak(stream, None, expected_seq, f"events after #{expected_seq - 1} were deleted")
    return None


def iter_breaks(session: Session, stream: str | None = None) -> Iterator[ChainBreak]:
    """Verify all streams (or one) and yield the first break of each broken stream."""
    heads = {h.stream: h for h in session.scalars(select(AuditHead))}
    query = select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq)
    if stream is not None:
        query = query.where(AuditEvent.stream == stream)
    current: list[AuditEvent] = []
    seen: set[str] = set()
    for event in session.execute(query).yield_per(1000).scalars():
        if current and event.stream != current[0].stream:
            seen.add(current[0].stream)
            if (brk := verify_stream(current, heads.get(current[0].stream))) is not None:
                yield brk
            current = []
        current.append(event)
    if current:
        seen.add(current[0].stream)
        if (brk := verify_stream(current, heads.get(current[0].stream))) is not None:
            yield brk
    for name, head in heads.items():
        if name not in seen and (stream is None or name == stream) and head.seq > 0:
            yield ChainBreak(name, None, 1, "all events of this stream were deleted")


def history(session: Session, case_id: str, offset: int = 0, limit: int = 50) -> tuple[list[AuditEvent], int]:
    """Return one page of a case's events (oldest first) and the total count."""
    stream = case_stream(case_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.stream == stream))
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq).offset(offset).limit(limit)
    ).all()
    return list(events), total or 0
