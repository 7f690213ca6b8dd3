"""The audit log: hash chains, concurrency of appends, and the database's refusal to change it."""

import threading
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from eakte import audit
from eakte.models import AuditEvent, AuditHead
from engine.db import transaction

pytestmark = pytest.mark.core


def _stream() -> str:
    return f"test/{uuid.uuid4().hex}"


def _events(session_factory, stream):
    with session_factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)).all()
        head = session.get(AuditHead, stream)
        session.expunge_all()
        return list(events), head


def test_chain_verifies_and_detects_changes(session_factory):
    stream = _stream()
    with transaction(session_factory) as session:
        for n in range(4):
            audit.record(session, stream, "thing.happened", actor="anna", authority_id=None, data={"n": n, "ü": "ä"})
    events, head = _events(session_factory, stream)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert audit.verify_stream(events, head) is None

    altered = events[:]
    altered[1] = replace_event(events[1], data={"n": 99, "ü": "ä"})
    assert "altered" in audit.verify_stream(altered, head).reason
    assert "missing" in audit.verify_stream(events[:1] + events[2:], head).reason
    assert "deleted" in audit.verify_stream(events[:3], head).reason


def replace_event(event, **changes):
    copy = AuditEvent(**{c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns})
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


def test_rollback_discards_queued_events(session_factory):
    stream = _stream()
    with pytest.raises(RuntimeError):
        with transaction(session_factory) as session:
            audit.record(session, stream, "never", actor=None, authority_id=None)
            raise RuntimeError("abort")
    assert _events(session_factory, stream) == ([], None)


def test_one_transaction_appends_to_several_streams_in_batches(session_factory):
    streams = sorted(_stream() for _ in range(3))
    with transaction(session_factory) as session:
        for batch in range(2):
            for n, stream in enumerate(streams):
                for i in range(n + 1):
                    audit.record(session, stream, "tick", actor="anna", authority_id=None, data={"b": batch, "i": i})
            audit.write_pending(session)  # the second batch continues the heads the first one moved
    for n, stream in enumerate(streams):
        events, head = _events(session_factory, stream)
        assert [e.seq for e in events] == list(range(1, 2 * (n + 1) + 1))
        assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
        assert audit.verify_stream(events, head) is None


def test_an_opened_stream_starts_a_chain_that_later_transactions_continue(session_factory):
    stream = _stream()
    with transaction(session_factory) as session:
        audit.record(session, stream, "case.started", actor="anna", authority_id=None, opens_stream=True)
        audit.record(session, stream, "task.created", actor=None, authority_id=None)
    with transaction(session_factory) as session:
        audit.record(session, stream, "task.completed", actor="anna", authority_id=None)
    events, head = _events(session_factory, stream)
    assert [(e.seq, e.kind) for e in events] == [(1, "case.started"), (2, "task.created"), (3, "task.completed")]
    assert audit.verify_stream(events, head) is None


def test_opening_a_stream_that_exists_fails_instead_of_forking_its_chain(session_factory):
    stream = _stream()
    with transaction(session_factory) as session:
        audit.record(session, stream, "first", actor=None, authority_id=None)
    with pytest.raises(IntegrityError):
        with transaction(session_factory) as session:
            audit.record(session, stream, "again", actor=None, authority_id=None, opens_stream=True)
    events, head = _events(session_factory, stream)
    assert [e.kind for e in events] == ["first"] and head.seq == 1


def test_concurrent_appends_to_one_stream_keep_one_chain(session_factory):
    stream = _stream()

    def writer(n):
        for i in range(10):
            with transaction(session_factory) as session:
                audit.record(session, stream, "tick", actor=f"w{n}", authority_id=None, data={"i": i})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events, head = _events(session_factory, stream)
    assert len(events) == 40 and audit.verify_stream(events, head) is None
    with session_factory() as session:
        assert list(audit.iter_breaks(session, stream)) == []


@pytest.mark.parametrize("statement", [
    "UPDATE eakte_audit_events SET actor = 'mallory' WHERE stream = :stream",
    "DELETE FROM eakte_audit_events WHERE stream = :stream",
])
def test_database_refuses_changes(session_factory, statement):
    stream = _stream()
    with transaction(session_factory) as session:
        audit.record(session, stream, "fact", actor="anna", authority_id=None)
    with pytest.raises(Exception, match="append-only"):
        with transaction(session_factory) as session:
            session.execute(text(statement), {"stream": stream})
    events, _ = _events(session_factory, stream)
    assert [e.actor for e in events] == ["anna"]


def test_postgres_refuses_truncate(session_factory, backend):
    if backend.name != "real":
        pytest.skip("TRUNCATE protection is a PostgreSQL trigger (SQLite has no TRUNCATE)")
    with pytest.raises(Exception, match="append-only"):
        with transaction(session_factory) as session:
            session.execute(text("TRUNCATE eakte_audit_events"))
