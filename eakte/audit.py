"""Append-only audit log with a hash chain per stream.

Every stream (``case/<id>``, ``definition/<key>``, ``authority/<id>``) is a
chain: each event stores the hash of its predecessor and its own hash over
all its fields. ``verify_all`` recomputes every chain and names the first
broken event. Events are queued on the session and written in one batch
right before the transaction commits: the head row of each stream is locked
once, so concurrent writers to the same stream queue up instead of forking
the chain, and an event exists exactly when the change it describes was
committed (if the process dies before the commit, neither exists).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import bindparam, event, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from eakte.models.audit import AuditEvent, AuditHead
from engine.db import is_postgres, utcnow

GENESIS_HASH = "0" * 64
_PENDING = "eakte_audit_pending"
_NEW_STREAMS = "eakte_audit_new_streams"


def case_stream(case_id: str) -> str:
    """Return the stream name of a case."""
    return f"case/{case_id}"


_MAX_DEPTH = 64
_INT_DIGITS = 4300
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _canonical(value: Any) -> str:
    """The canonical JSON text of event data, hashed and stored.

    Data that JSON or PostgreSQL cannot hold as it is (NaN, a number with more
    digits than Python writes, a lone surrogate or NUL in a text, non-text keys,
    a self-referencing or too deeply nested value) is first made storable by
    :func:`_storable`, so recording an event never fails on its data.
    """
    try:
        return _strict_canonical(value)
    except (ValueError, TypeError, RecursionError):
        return _strict_canonical(_storable(value, 0))


def _strict_canonical(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False)
    text.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    if _ESCAPED_NUL.search(text):
        raise ValueError("NUL character in a text")
    return text


def _storable(value: Any, depth: int) -> Any:
    """A JSON-storable stand-in for ``value``; unchanged where it already is storable."""
    if depth > _MAX_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, dict):
        return {_storable_text(str(key)): _storable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_storable(item, depth + 1) for item in value]
        if isinstance(value, (set, frozenset)):
            items.sort(key=lambda item: json.dumps(item, sort_keys=True, default=str))
        return items
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**_INT_DIGITS else f"<integer of {value.bit_length()} bits>"
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return _storable_text(str(value))


def _storable_text(text: str) -> str:
    text = text.replace("\0", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def compute_hash(event: AuditEvent | SimpleNamespace) -> str:
    """Compute the hash of an event (anything with its attributes) from its fields and its predecessor's hash."""
    return hashlib.sha256(_canonical(_hashed_fields(event)).encode("utf-8")).hexdigest()


def _hashed_fields(event: AuditEvent | SimpleNamespace) -> dict:
    return {
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


def _hashed_text_around_chain(item: dict) -> tuple[str, str] | None:
    """Split the hashed text of an event at its predecessor's hash and its number (PostgreSQL chains it).

    The keys are sorted, so the text ends with ``"prev_hash":"<hash>","seq":<n>,"stream":<stream>}``;
    returns the text before ``<hash>`` and the text after ``<n>``, or None if it does not look so.
    """
    text = _canonical(_hashed_fields(SimpleNamespace(**item, seq=0, prev_hash=GENESIS_HASH)))
    marker = f'"prev_hash":"{GENESIS_HASH}","seq":0,"stream":'
    index = text.rfind(marker)
    stream = text[index + len(marker):]
    if index < 0 or stream != json.dumps(item["stream"], ensure_ascii=False) + "}":
        return None
    return text[:index] + '"prev_hash":"', ',"stream":' + stream


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
    opens_stream: bool = False,
) -> None:
    """Queue an event for ``stream``; it is written in the caller's transaction.

    Events are buffered on the session and written, chained and hashed, right
    before the transaction commits (or when ``write_pending`` is called), one
    head lock per stream. A rollback discards them together with the change
    they describe.

    ``opens_stream`` says that this is the first event of a stream that cannot
    exist yet (the stream of a case created in this transaction): its head is
    created instead of locked, saving a round trip. Should the stream exist
    after all, creating the head violates its primary key and the transaction
    fails; a chain is never forked.
    """
    # JSON round trip: the hash must be computed over exactly what the database returns.
    clean_data = json.loads(_canonical(data or {}))
    pending = session.info.setdefault(_PENDING, [])
    pending.append(
        {"stream": stream, "kind": kind, "actor": actor, "authority_id": authority_id, "case_id": case_id,
         "data": clean_data, "occurred_at": occurred_at or utcnow()}
    )
    if opens_stream:
        session.info.setdefault(_NEW_STREAMS, set()).add(stream)


def write_pending(session: Session) -> None:
    """Write the queued events of this session (called automatically before commit)."""
    pending = session.info.pop(_PENDING, None)
    new_streams = session.info.pop(_NEW_STREAMS, set())
    if not pending:
        return
    by_stream: dict[str, list[dict]] = {}
    for item in pending:
        by_stream.setdefault(item["stream"], []).append(item)
    postgres = is_postgres(session)
    for stream in sorted(by_stream):  # a fixed lock order avoids deadlocks between transactions
        is_new = stream in new_streams
        if postgres and not is_new and _append_chained(session, stream, by_stream[stream]):
            continue
        seq, prev_hash = (0, GENESIS_HASH) if is_new else _lock_head(session, stream)
        rows = []
        for item in by_stream[stream]:
            seq += 1
            row = {**item, "seq": seq, "prev_hash": prev_hash}
            row["hash"] = prev_hash = compute_hash(SimpleNamespace(**row))
            rows.append(row)
        head = {"stream": stream, "seq": seq, "hash": prev_hash}
        if postgres:  # one round trip, one cached statement for any number of events
            statement = _OPEN_POSTGRES if is_new else _APPEND_POSTGRES
            session.execute(statement, {**head, "rows": _as_json(rows)})
        else:
            if is_new:
                session.execute(_HEADS.insert(), head)
            else:
                session.execute(update(_HEADS).where(_HEADS.c.stream == stream).values(seq=seq, hash=prev_hash))
            session.connection().execute(AuditEvent.__table__.insert(), rows)


# Move (or create) the head and insert the stream's new events in one statement; the
# events travel as one JSON array, so the statement text never changes.
_INSERT_EVENTS_POSTGRES = """
    INSERT INTO eakte_audit_events (stream, seq, authority_id, case_id, kind, actor, occurred_at, data, prev_hash, hash)
    SELECT e.stream, e.seq, e.authority_id, e.case_id, e.kind, e.actor, e.occurred_at, e.data, e.prev_hash, e.hash
    FROM json_to_recordset(CAST(:rows AS json)) AS e(
        stream text, seq integer, authority_id text, case_id text, kind text, actor text,
        occurred_at timestamptz, data json, prev_hash text, hash text)
"""
_APPEND_POSTGRES = text("""
    WITH moved_head AS (
        UPDATE eakte_audit_heads SET seq = :seq, hash = :hash WHERE stream = :stream RETURNING seq
    )""" + _INSERT_EVENTS_POSTGRES)
_OPEN_POSTGRES = text("""
    WITH new_head AS (
        INSERT INTO eakte_audit_heads (stream, seq, hash) VALUES (:stream, :seq, :hash) RETURNING seq
    )""" + _INSERT_EVENTS_POSTGRES)


# Lock the head, chain and hash the events, move the head and insert them: one statement and one round
# trip on PostgreSQL (sha256() of the same text compute_hash hashes). A stream without a head inserts
# nothing; the caller then creates the head (``_lock_head``) and appends as on SQLite.
_APPEND_CHAINED_POSTGRES = text("""
    WITH RECURSIVE
    head AS (SELECT seq, hash FROM eakte_audit_heads WHERE stream = :stream FOR UPDATE),
    e AS (
        SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS e(
            n integer, authority_id text, case_id text, kind text, actor text, occurred_at timestamptz, data json,
            before_hash text, after_seq text)
    ),
    chain (n, seq, prev_hash, hash) AS (
        SELECT e.n, head.seq + 1, head.hash::text,
               encode(sha256(convert_to(e.before_hash || head.hash || '","seq":' || (head.seq + 1) || e.after_seq,
                                        'UTF8')), 'hex')
        FROM e CROSS JOIN head WHERE e.n = 1
        UNION ALL
        SELECT e.n, chain.seq + 1, chain.hash,
               encode(sha256(convert_to(e.before_hash || chain.hash || '","seq":' || (chain.seq + 1) || e.after_seq,
                                        'UTF8')), 'hex')
        FROM chain JOIN e ON e.n = chain.n + 1
    ),
    moved AS (
        UPDATE eakte_audit_heads SET seq = last.seq, hash = last.hash
        FROM (SELECT seq, hash FROM chain ORDER BY n DESC LIMIT 1) AS last
        WHERE eakte_audit_heads.stream = :stream
    )
    INSERT INTO eakte_audit_events (stream, seq, authority_id, case_id, kind, actor, occurred_at, data, prev_hash, hash)
    SELECT :stream, chain.seq, e.authority_id, e.case_id, e.kind, e.actor, e.occurred_at, e.data, chain.prev_hash,
           chain.hash
    FROM chain JOIN e ON e.n = chain.n
""")


def _append_chained(session: Session, stream: str, items: list[dict]) -> bool:
    """Append events to an existing stream in one statement (PostgreSQL); False if it has no head yet."""
    rows = []
    for number, item in enumerate(items, start=1):
        around = _hashed_text_around_chain(item)
        if around is None:
            return False
        rows.append({**item, "n": number, "before_hash": around[0], "after_seq": around[1]})
    return session.execute(_APPEND_CHAINED_POSTGRES, {"stream": stream, "rows": _as_json(rows)}).rowcount == len(rows)


def _as_json(rows: list[dict]) -> str:
    return json.dumps(
        [{**row, "occurred_at": row["occurred_at"].isoformat(timespec="microseconds")} for row in rows],
        separators=(",", ":"), ensure_ascii=False,
    )


_HEADS = AuditHead.__table__  # Core statements: no ORM bulk-DML processing on this hot path

# Built once with a named parameter: building a statement and its cache key anew for every
# transaction costs more CPU than the round trip. ON CONFLICT DO UPDATE locks the existing row
# and returns it in one round trip.
_LOCK_HEAD_POSTGRES = pg_insert(_HEADS).values(stream=bindparam("stream"), seq=0, hash=GENESIS_HASH)
_LOCK_HEAD_POSTGRES = _LOCK_HEAD_POSTGRES.on_conflict_do_update(
    index_elements=["stream"], set_={"stream": _LOCK_HEAD_POSTGRES.excluded.stream}
).returning(_HEADS.c.seq, _HEADS.c.hash)
_CREATE_HEAD_SQLITE = _HEADS.insert().prefix_with("OR IGNORE").values(stream=bindparam("stream"), seq=0,
                                                                       hash=GENESIS_HASH)
_READ_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.stream == bindparam("stream"))



def _lock_head(session: Session, stream: str) -> tuple[int, str]:
    """Create the stream's head if needed and lock it; return its (seq, hash)."""
    connection = session.connection()
    if is_postgres(session):
        return tuple(connection.execute(_LOCK_HEAD_POSTGRES, {"stream": stream}).one())
    # SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE).
    connection.execute(_CREATE_HEAD_SQLITE, {"stream": stream})
    return tuple(connection.execute(_READ_HEAD, {"stream": stream}).one())


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)


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
    for item in events:
        if item.seq != expected_seq:
            return ChainBreak(stream, item.id, expected_seq, f"event #{expected_seq} is missing (found #{item.seq})")
        if item.prev_hash != prev_hash:
            return ChainBreak(stream, item.id, item.seq, "previous-hash link does not match the preceding event")
        if compute_hash(item) != item.hash:
            return ChainBreak(stream, item.id, item.seq, "content was altered (hash mismatch)")
        prev_hash = item.hash
        expected_seq += 1
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return ChainBreak(stream, None, expected_seq, f"events after #{expected_seq - 1} were deleted")
    return None


def iter_breaks(session: Session, stream: str | None = None) -> Iterator[ChainBreak]:
    """Verify all streams (or one) and yield the first break of each broken stream."""
    write_pending(session)
    heads = {h.stream: h for h in session.scalars(select(AuditHead))}
    query = select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq)
    if stream is not None:
        query = query.where(AuditEvent.stream == stream)
    current: list[AuditEvent] = []
    seen: set[str] = set()
    for item in session.execute(query).yield_per(1000).scalars():
        if current and item.stream != current[0].stream:
            seen.add(current[0].stream)
            if (brk := verify_stream(current, heads.get(current[0].stream))) is not None:
                yield brk
            current = []
        current.append(item)
    if current:
        seen.add(current[0].stream)
        if (brk := verify_stream(current, heads.get(current[0].stream))) is not None:
            yield brk
    for name, head in heads.items():
        if name not in seen and (stream is None or name == stream) and head.seq > 0:
            yield ChainBreak(name, None, 1, "all events of this stream were deleted")


def history(session: Session, case_id: str, offset: int = 0, limit: int = 50) -> tuple[list[AuditEvent], int]:
    """Return one page of a case's events (oldest first) and the total count."""
    write_pending(session)
    stream = case_stream(case_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.stream == stream))
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq).offset(offset).limit(limit)
    ).all()
    return list(events), total or 0
