"""Filing a document: the content is put to the store while the rows are written, and no row outlives a failed put."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from eakte import dokumente
from eakte.intake import CheckedContent
from eakte.models import AuditEvent, Dokument, Vorgang
from eakte.storage import IntegrityMismatch, StorageUnavailable, StoredObject, key_for
from engine.db import transaction
from tests.eakte import pdf_samples

pytestmark = pytest.mark.core

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _file(session, store, vorgang_id, content):
    return dokumente.store_document(session, store, session.get(Vorgang, vorgang_id), content, subject="Lageplan",
                                    doc_type="Bauvorlage", direction="incoming", actor="anna", now=NOW)


def _stored_rows(session_factory, vorgang_id) -> tuple[list[Dokument], list[AuditEvent]]:
    with transaction(session_factory) as session:
        akte_id = session.get(Vorgang, vorgang_id).akte_id
        documents = session.scalars(select(Dokument).where(Dokument.vorgang_id == vorgang_id)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.stream == f"akte/{akte_id}",
                                                          AuditEvent.kind == "document.stored")).all()
        return list(documents), list(events)


class _FailingStore:
    """A store that is down."""

    def put(self, stream, size=None, sha256=None, content_type="application/octet-stream"):
        raise StorageUnavailable("S3 endpoint unreachable")


class _MisfilingStore:
    """A store that files content under a key that is not its hash."""

    def put(self, stream, size=None, sha256=None, content_type="application/octet-stream"):
        other = hashlib.sha256(b"something else").hexdigest()
        return StoredObject(key=key_for(other), sha256=other, size=len(stream.read()))


@pytest.mark.parametrize("with_rendition", [False, True], ids=["original", "original+rendition"])
def test_filed_version_points_at_its_stored_objects(session_factory, store, vorgang_id, with_rendition):
    original = pdf_samples.clean()
    rendition = b"%PDF-1.7 cleaned copy" if with_rendition else None
    content = CheckedContent(original, "lageplan.pdf", "application/pdf", rendition=rendition,
                             rendition_media_type="application/pdf" if with_rendition else None)

    with transaction(session_factory) as session:
        version = _file(session, store, vorgang_id, content)

    assert (version.sha256, version.size) == (hashlib.sha256(original).hexdigest(), len(original))
    assert store.read(version.storage_key) == original
    if with_rendition:
        assert version.rendition_sha256 == hashlib.sha256(rendition).hexdigest()
        assert store.read(version.rendition_key) == rendition
    else:
        assert version.rendition_key is None
    [dokument], [stored] = _stored_rows(session_factory, vorgang_id)
    assert dokument.current_version == 1 and stored.data["sha256"] == version.sha256


def test_rows_are_written_while_the_content_is_put(session_factory, file_store, vorgang_id):
    rows_flushed = threading.Event()

    class WaitingStore:
        """Finishes a put only once the rows have reached the database: a sequential write times out."""

        def put(self, stream, size=None, sha256=None, content_type="application/octet-stream"):
            if not rows_flushed.wait(timeout=10):
                raise StorageUnavailable("the rows were not written while the put ran")
            return file_store.put(stream, size=size, sha256=sha256, content_type=content_type)

    with transaction(session_factory) as session:
        event.listen(session, "after_flush", lambda *_: rows_flushed.set())
        version = _file(session, WaitingStore(), vorgang_id, CheckedContent(b"Vermerk", "vermerk.txt", "text/plain"))

    assert file_store.read(version.storage_key) == b"Vermerk"


@pytest.mark.parametrize("store_kind", [_FailingStore, _MisfilingStore])
def test_failed_put_leaves_no_row_and_no_audit_event(session_factory, vorgang_id, store_kind):
    content = CheckedContent(b"Vermerk", "vermerk.txt", "text/plain")

    with pytest.raises((StorageUnavailable, IntegrityMismatch)):
        with transaction(session_factory) as session:
            _file(session, store_kind(), vorgang_id, content)

    assert _stored_rows(session_factory, vorgang_id) == ([], [])


def test_failure_while_writing_rows_waits_for_the_put_and_raises(session_factory, file_store, vorgang_id,
                                                                 monkeypatch):
    put_finished = threading.Event()

    class SlowStore:
        def put(self, stream, size=None, sha256=None, content_type="application/octet-stream"):
            stored = file_store.put(stream, size=size, sha256=sha256, content_type=content_type)
            put_finished.set()
            return stored

    def broken_record(*_args, **_kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(dokumente.audit, "record", broken_record)
    with pytest.raises(RuntimeError, match="audit write failed"):
        with transaction(session_factory) as session:
            _file(session, SlowStore(), vorgang_id, CheckedContent(b"Vermerk", "vermerk.txt", "text/plain"))

    assert put_finished.is_set()  # no put is left running behind the failed call
    assert _stored_rows(session_factory, vorgang_id) == ([], [])
