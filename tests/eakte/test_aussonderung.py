"""Disposal: due list, archive confirmation, destruction with tombstones."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from eakte.audit import iter_breaks
from eakte.aussonderung import (
    AussonderungError,
    confirm_archive,
    destroy_akte,
    due_for_disposal,
    purge_destroyed_objects,
)
from eakte.errors import NotFound
from eakte.models import Akte, ArchiveHandover, AuditEvent, Dokument, DokumentVersion
from eakte.storage import StorageUnavailable
from eakte.xdomea import export_0503
from engine.db import transaction
from tests.eakte import factories

TODAY = date(2026, 1, 15)  # files closed 2015-03-02 with 10 years are due since 2025-03-02


def _versions(session, akte_id):
    return session.scalars(
        select(DokumentVersion).join(Dokument).where(Dokument.akte_id == akte_id).order_by(DokumentVersion.id)
    ).all()


def _events(session, akte_id, kind=None):
    query = select(AuditEvent).where(AuditEvent.stream == f"akte/{akte_id}").order_by(AuditEvent.seq)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return session.scalars(query).all()


@pytest.fixture
def make(session_factory, file_store):
    """Create a full closed file in a fresh authority; returns its id."""

    def _make(disposal_code="V", retention_years=10, **akte_options):
        with transaction(session_factory) as session:
            authority = factories.make_authority(session)
            unit = factories.make_unit(session, authority.id, disposal_code=disposal_code,
                                       retention_years=retention_years)
            return factories.make_full_akte(session, file_store, unit, **akte_options).id

    return _make


def _export_and_confirm(session_factory, store, akte_id, tmp_path, *, confirm=True):
    with transaction(session_factory) as session:
        result = export_0503(session, store, session.get(Akte, akte_id), sender={"name": "Stadt Grünhagen"},
                             recipient={"name": "Landesarchiv"}, actor="registratur", out=tmp_path / "p.zip")
    if confirm:
        with transaction(session_factory) as session:
            confirm_archive(session, result.handover_id, actor="registratur", archive_reference="LAMV 5.12-3/1 Nr. 42")
    return result.handover_id


def _destroy(session_factory, store, akte_id, today=TODAY):
    with transaction(session_factory) as session:
        count = destroy_akte(session, session.get(Akte, akte_id), actor="amtsleiterin", today=today)
    with transaction(session_factory) as session:
        purged = purge_destroyed_objects(session, store, akte_id=akte_id)
    return count, purged


# --- due list ----------------------------------------------------------------------------------------------

def test_due_list_holds_closed_files_past_retention_with_their_code(session_factory, file_store, tmp_path):
    with transaction(session_factory) as session:
        authority = factories.make_authority(session)
        other = factories.make_authority(session)
        units = {code: factories.make_unit(session, authority.id, code=f"63.0{i}", disposal_code=code)
                 for i, code in enumerate("ABV", start=1)}
        permanent = factories.make_unit(session, authority.id, code="10.01", retention_years=None)
        due_a = factories.make_akte(session, units["A"])
        due_b = factories.make_akte(session, units["B"])
        due_v = factories.make_akte(session, units["V"])
        factories.make_akte(session, units["V"], closed_at=datetime(2020, 1, 1, tzinfo=timezone.utc))  # until 2030
        factories.make_akte(session, units["V"], closed_at=None)  # open: never due
        kept = factories.make_akte(session, permanent)
        kept.retention_until = date(2000, 1, 1)  # even with a date, permanent files are never due
        disposed = factories.make_akte(session, units["V"])
        disposed.status, disposed.disposed_at = "disposed", datetime(2025, 6, 1, tzinfo=timezone.utc)
        factories.make_akte(session, factories.make_unit(session, other.id, disposal_code="V"))
        ids = {"A": due_a.id, "B": due_b.id, "V": due_v.id}

    with transaction(session_factory) as session:
        due = due_for_disposal(session, authority.id, TODAY)
        assert {(d.akte_id, d.disposal_code) for d in due} == {(ids[c], c) for c in "ABV"}
        assert all(d.retention_until == date(2025, 3, 2) and d.handover_id is None for d in due)
        assert due_for_disposal(session, authority.id, date(2025, 3, 1)) == []
        assert len(due_for_disposal(session, authority.id, date(2025, 3, 2))) == 3
        everyone = {d.akte_id for d in due_for_disposal(session, None, TODAY)}
        assert set(ids.values()) < everyone

    handover_id = _export_and_confirm(session_factory, file_store, ids["A"], tmp_path)
    with transaction(session_factory) as session:
        entry = next(d for d in due_for_disposal(session, authority.id, TODAY) if d.akte_id == ids["A"])
    assert (entry.handover_id, entry.archive_confirmed) == (handover_id, True)


# --- archive confirmation ----------------------------------------------------------------------------------

def test_confirmation_is_recorded_once(session_factory, file_store, make, tmp_path):
    akte_id = make("A")
    handover_id = _export_and_confirm(session_factory, file_store, akte_id, tmp_path, confirm=False)
    with transaction(session_factory) as session:
        with pytest.raises(AussonderungError, match="reference is required"):
            confirm_archive(session, handover_id, actor="x", archive_reference="  ")
        handover = confirm_archive(session, handover_id, actor="registratur", archive_reference=" LAMV 42 ")
        assert (handover.archive_reference, handover.confirmed_by) == ("LAMV 42", "registratur")
    with transaction(session_factory) as session:
        assert session.get(ArchiveHandover, handover_id).confirmed_at is not None
        event = _events(session, akte_id, "akte.archive_confirmed")[0]
        assert event.data["archive_reference"] == "LAMV 42" and event.actor == "registratur"
        with pytest.raises(AussonderungError, match="already confirmed"):
            confirm_archive(session, handover_id, actor="x", archive_reference="other")
        with pytest.raises(NotFound, match="no archive hand-over"):
            confirm_archive(session, "no-such-id", actor="x", archive_reference="R")


# --- refusals ----------------------------------------------------------------------------------------------

def _refused(session_factory, akte_id, match, today=TODAY):
    """Destruction is refused with ``match`` and changes nothing."""
    with transaction(session_factory) as session:
        before = (session.get(Akte, akte_id).status, len(_events(session, akte_id)),
                  sorted(str(v.destroyed_at) for v in _versions(session, akte_id)))
    with transaction(session_factory) as session:
        with pytest.raises(AussonderungError, match=match):
            destroy_akte(session, session.get(Akte, akte_id), actor="amtsleiterin", today=today)
    with transaction(session_factory) as session:
        after = (session.get(Akte, akte_id).status, len(_events(session, akte_id)),
                 sorted(str(v.destroyed_at) for v in _versions(session, akte_id)))
    assert after == before


def test_open_file_is_not_destroyed(session_factory, make):
    _refused(session_factory, make("V", closed_at=None), "not closed")


def test_file_within_retention_is_not_destroyed(session_factory, make):
    _refused(session_factory, make("V"), "retention period runs until 2025-03-02", today=date(2025, 3, 1))


def test_permanent_file_is_never_destroyed(session_factory, make):
    _refused(session_factory, make("A", retention_years=None), "kept permanently")


def test_archival_file_needs_a_handover(session_factory, make):
    _refused(session_factory, make("A"), "marked A: it can be destroyed only after it was handed over")


def test_archival_file_needs_the_archives_confirmation(session_factory, file_store, make, tmp_path):
    akte_id = make("B")
    _export_and_confirm(session_factory, file_store, akte_id, tmp_path, confirm=False)
    _refused(session_factory, akte_id, "marked B: .* the archive confirmed")


def test_confirmation_of_an_export_before_reopening_does_not_count(session_factory, file_store, make, tmp_path):
    akte_id = make("A")
    _export_and_confirm(session_factory, file_store, akte_id, tmp_path)
    with transaction(session_factory) as session:  # reopened, changed and closed again after the hand-over
        akte = session.get(Akte, akte_id)
        akte.closed_at = datetime.now(timezone.utc)
    _refused(session_factory, akte_id, "marked A", today=date(2100, 1, 1))


def test_destroyed_file_cannot_be_destroyed_again(session_factory, file_store, make):
    akte_id = make("V")
    _destroy(session_factory, file_store, akte_id)
    _refused(session_factory, akte_id, "already destroyed")


# --- destruction -------------------------------------------------------------------------------------------

def test_destruction_leaves_tombstones_and_removes_the_content(session_factory, file_store, make):
    akte_id = make("V")
    with transaction(session_factory) as session:
        before = [(v.id, v.sha256, v.storage_key, v.version, v.dokument.subject, v.dokument.doc_type)
                  for v in _versions(session, akte_id)]
    assert all(file_store.exists(key) for _, _, key, *_ in before)

    count, purged = _destroy(session_factory, file_store, akte_id)

    assert count == len(before) == 5
    assert purged == 5
    assert not any(file_store.exists(key) for _, _, key, *_ in before)
    with transaction(session_factory) as session:
        akte = session.get(Akte, akte_id)
        assert akte.status == "disposed" and akte.disposed_at is not None
        assert all(v.destroyed_at == akte.disposed_at for v in _versions(session, akte_id))
        tombstones = _events(session, akte_id, "dokument.version.destroyed")
        assert {(t.data["version_id"], t.data["sha256"], t.data["version"], t.data["subject"], t.data["type"])
                for t in tombstones} == {(i, s, n, subj, t) for i, s, _, n, subj, t in before}
        assert {t.actor for t in tombstones} == {"amtsleiterin"}
        assert all(t.occurred_at == akte.disposed_at for t in tombstones)
        final = _events(session, akte_id)[-1]
        assert final.kind == "akte.destroyed"
        assert final.data["versions_destroyed"] == 5 and final.data["disposal_code"] == "V"
        assert list(iter_breaks(session, f"akte/{akte_id}")) == []


def test_archived_file_is_destroyed_after_confirmation(session_factory, file_store, make, tmp_path):
    akte_id = make("A")
    handover_id = _export_and_confirm(session_factory, file_store, akte_id, tmp_path)
    count, _ = _destroy(session_factory, file_store, akte_id)
    assert count == 5
    with transaction(session_factory) as session:
        final = _events(session, akte_id, "akte.destroyed")[0]
        assert (final.data["handover_id"], final.data["archive_reference"]) == (handover_id, "LAMV 5.12-3/1 Nr. 42")
        assert [e.kind for e in _events(session, akte_id)][:2] == ["akte.exported", "akte.archive_confirmed"]
        assert list(iter_breaks(session, f"akte/{akte_id}")) == []


def test_content_shared_with_a_live_file_is_kept(session_factory, file_store, make):
    doomed, survivor = make("V"), make("A")
    shared = [("formular.pdf", "application/pdf", b"%PDF-1.4 identical bytes in two files " + uuid.uuid4().bytes)]
    with transaction(session_factory) as session:
        for akte_id in (doomed, survivor):
            vorgang = factories.add_vorgang(session, session.get(Akte, akte_id), "Nachtrag")
            factories.add_dokument(session, file_store, vorgang, "Formular", shared)
    _, purged = _destroy(session_factory, file_store, doomed)
    assert purged == 5  # the file's own objects, not the shared one
    with transaction(session_factory) as session:
        live_keys = {v.storage_key for v in _versions(session, survivor)}
        doomed_keys = {v.storage_key for v in _versions(session, doomed)}
    shared_key = (live_keys & doomed_keys).pop()
    assert file_store.exists(shared_key)
    assert not any(file_store.exists(key) for key in doomed_keys - {shared_key})


def test_crash_between_marking_and_deleting_is_repaired_by_rerunning_purge(session_factory, file_store, make):
    akte_id = make("V")
    with transaction(session_factory) as session:  # step 1 committed, then the process "dies"
        destroy_akte(session, session.get(Akte, akte_id), actor="amtsleiterin", today=TODAY)
    with transaction(session_factory) as session:
        versions = _versions(session, akte_id)
        # the invariant: no live row points at a missing object (here: no live rows, all objects still there)
        assert all(v.destroyed_at is not None for v in versions)
        assert all(file_store.exists(v.storage_key) for v in versions)
        assert purge_destroyed_objects(session, file_store, akte_id=akte_id) == 5
        assert purge_destroyed_objects(session, file_store, akte_id=akte_id) == 0  # idempotent
        assert not any(file_store.exists(v.storage_key) for v in versions)


# --- command line ------------------------------------------------------------------------------------------

def test_cli_exports_confirms_and_destroys(cli, tmp_path):
    with transaction(cli.sessions) as session:
        authority = factories.make_authority(session)
        unit = factories.make_unit(session, authority.id, disposal_code="A", retention_years=1)
        akte = factories.make_full_akte(session, cli.store, unit)
        slug, aktenzeichen, akte_id = authority.slug, akte.aktenzeichen, akte.id

    refused = cli.invoke("eakte", "destroy", aktenzeichen, "--authority", slug, "--yes")
    assert refused.exit_code == 2
    assert "only after it was handed over" in refused.output

    out = tmp_path / "abgabe.zip"
    exported = cli.invoke("eakte", "export-xdomea", aktenzeichen, "--authority", slug, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    with transaction(cli.sessions) as session:
        handover = session.scalars(select(ArchiveHandover).where(ArchiveHandover.akte_id == akte_id)).one()
    assert handover.id in exported.output and out.is_file()

    unknown = cli.invoke("eakte", "confirm-archive", "no-such-handover", "--reference", "R")
    assert unknown.exit_code == 2 and "no archive hand-over" in unknown.output
    confirmed = cli.invoke("eakte", "confirm-archive", handover.id, "--reference", "LAMV 42")
    assert confirmed.exit_code == 0, confirmed.output

    destroyed = cli.invoke("eakte", "destroy", aktenzeichen, "--authority", slug, "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    assert "5 document version(s) destroyed" in destroyed.output
    assert "5 stored object(s) deleted" in destroyed.output
    again = cli.invoke("eakte", "destroy", aktenzeichen, "--authority", slug, "--yes")
    assert again.exit_code == 0 and "already destroyed" in again.output and "0 stored object(s)" in again.output


def test_cli_reports_a_storage_outage_after_the_destruction_and_finishes_when_run_again(cli, monkeypatch):
    with transaction(cli.sessions) as session:
        authority = factories.make_authority(session)
        akte = factories.make_full_akte(session, cli.store, factories.make_unit(session, authority.id,
                                                                               disposal_code="V", retention_years=1))
        slug, aktenzeichen = authority.slug, akte.aktenzeichen

    def storage_down(*args, **kwargs):
        raise StorageUnavailable("S3 is down")

    with monkeypatch.context() as patch:
        patch.setattr("eakte.aussonderung.purge_destroyed_objects", storage_down)
        interrupted = cli.invoke("eakte", "destroy", aktenzeichen, "--authority", slug, "--yes")
    assert interrupted.exit_code == 2
    assert "5 document version(s) destroyed" in interrupted.output and "run the command again" in interrupted.output

    finished = cli.invoke("eakte", "destroy", aktenzeichen, "--authority", slug, "--yes")
    assert finished.exit_code == 0, finished.output
    assert "already destroyed" in finished.output and "5 stored object(s) deleted" in finished.output
