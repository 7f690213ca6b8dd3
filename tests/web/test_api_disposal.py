"""REST API for disposal with the archive: due list, offer (0501), appraisal (0502), hand-over (0503),
import confirmation (0506) or one recorded by hand, destruction."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

import pytest
from sqlalchemy import select

from eakte.models import Akte, ArchiveOffer, AuditEvent, Dokument, DokumentVersion
from eakte.storage import FileStore, StorageUnavailable, open_store
from eakte.xdomea import export_0503, validate_xdomea
from engine.db import transaction
from tests.eakte import factories, xdomea_messages

pytestmark = pytest.mark.core

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def files(session_factory, authority, tmp_path):
    """Due A and B files of the test authority (closed 2015, 1 year retention), the A one with documents."""
    with transaction(session_factory) as session:
        store = FileStore(tmp_path / "documents")
        akten = {code: factories.make_full_akte(session, store, factories.make_unit(
            session, authority.id, code=f"80.0{i}", disposal_code=code, retention_years=1))
            for i, code in enumerate("AB", start=1)}
        return {"store": store, **{code: (akte.id, akte.aktenzeichen) for code, akte in akten.items()}}


def test_admin_offers_and_imports_the_archives_answers(client, session_factory, authority, files, tmp_path):
    admin = authority.user("registratur", roles=("admin",))
    due = client.get("/api/v1/disposal/due", headers=admin.headers)
    assert due.status_code == 200
    assert {(d["aktenzeichen"], d["disposal_code"]) for d in due.json} >= {(files["A"][1], "A"), (files["B"][1], "B")}

    offer = client.post("/api/v1/disposal/offers", json={"aktenzeichen": [files["B"][1], files["A"][1]]},
                        headers=admin.headers)
    assert offer.status_code == 201, offer.json
    assert validate_xdomea(offer.json["message"].encode()) == []
    process_id = offer.json["process_id"]
    again = client.post("/api/v1/disposal/offers", json={"aktenzeichen": [files["B"][1]]}, headers=admin.headers)
    assert again.status_code == 409 and "already offered" in again.json["message"]

    appraisal = xdomea_messages.appraisal(process_id, [(files["B"][0], "V"), (files["A"][0], "A")])
    imported = client.post("/api/v1/disposal/appraisals", data=appraisal, headers={**admin.headers, **XML})
    assert imported.status_code == 200, imported.json
    assert imported.json["decisions"] == {files["B"][1]: "V", files["A"][1]: "A"}
    twice = client.post("/api/v1/disposal/appraisals", data=appraisal, headers={**admin.headers, **XML})
    assert twice.status_code == 422 and "already appraised" in twice.json["message"]
    assert len(twice.json["errors"]["problems"]) == 2

    with transaction(session_factory) as session:
        handover = export_0503(session, files["store"], session.get(Akte, files["A"][0]),
                               sender={"name": "Testbehörde"}, recipient={"name": "Landesarchiv"},
                               actor="registratur", out=tmp_path / "0503.zip")
    confirmation = xdomea_messages.import_confirmation(handover.process_id, [(files["A"][0], True, "LAMV 42")])
    confirmed = client.post("/api/v1/disposal/import-confirmations", data=confirmation,
                            headers={**admin.headers, **XML})
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["archive_reference"], confirmed.json["aktenzeichen"]) == ("LAMV 42", files["A"][1])
    entry = next(d for d in client.get("/api/v1/disposal/due", headers=admin.headers).json
                 if d["akte_id"] == files["A"][0])
    assert (entry["archive_appraisal"], entry["archive_confirmed"]) == ("A", True)


def test_disposal_api_refuses_bad_requests_with_4xx(client, session_factory, authority, other_authority, files):
    clerk = authority.user("anna", roles=("clerk",))
    admin = authority.user("registratur", roles=("admin",))
    stranger = other_authority.user("eve", roles=("admin",))
    assert client.get("/api/v1/disposal/due", headers=clerk.headers).status_code == 403
    assert client.post("/api/v1/disposal/offers", json={}, headers=clerk.headers).status_code == 403
    assert client.get("/api/v1/disposal/due", headers=stranger.headers).json == []

    unknown = client.post("/api/v1/disposal/offers", json={"aktenzeichen": ["99.99-0"]}, headers=admin.headers)
    assert unknown.status_code == 404
    blank = client.post("/api/v1/disposal/offers", json={"archive": "  "}, headers=admin.headers)
    assert blank.status_code == 422
    as_json = client.post("/api/v1/disposal/appraisals", json={"x": 1}, headers=admin.headers)
    assert as_json.status_code == 415
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    refused = client.post("/api/v1/disposal/appraisals", data=hostile, headers={**admin.headers, **XML})
    assert refused.status_code == 422 and "DTD" in refused.json["message"]

    offer = client.post("/api/v1/disposal/offers", json={}, headers=admin.headers).json
    foreign = client.post("/api/v1/disposal/appraisals", headers={**stranger.headers, **XML},
                          data=xdomea_messages.appraisal(offer["process_id"], [(files["B"][0], "V")]))
    assert foreign.status_code == 422 and "answers no offer list of this authority" in foreign.json["message"]
    unknown_id = client.post("/api/v1/disposal/appraisals", headers={**admin.headers, **XML},
                             data=xdomea_messages.appraisal(offer["process_id"], [(str(uuid.uuid4()), "V")]))
    assert unknown_id.status_code == 422 and "unknown or foreign ID" in unknown_id.json["message"]
    no_handover = client.post("/api/v1/disposal/import-confirmations", headers={**admin.headers, **XML},
                              data=xdomea_messages.import_confirmation(str(uuid.uuid4()), [(files["A"][0], True, "R")]))
    assert no_handover.status_code == 422 and "answers no hand-over" in no_handover.json["message"]
    with transaction(session_factory) as session:
        offers = session.scalars(select(ArchiveOffer).where(ArchiveOffer.process_id == offer["process_id"])).all()
        assert offers and all(o.appraisal is None for o in offers)


@pytest.fixture
def stored_a_file(session_factory, authority, backend):
    """A due A file whose documents are in the app's own document store; returns (id, Aktenzeichen)."""
    with transaction(session_factory) as session:
        akte = factories.make_full_akte(session, open_store(backend.storage_url), factories.make_unit(
            session, authority.id, code="80.09", disposal_code="A", retention_years=1))
        return akte.id, akte.aktenzeichen


def _versions(session_factory, akte_id) -> list[tuple[str, str | None]]:
    """(storage key, rendition key) of every document version of a file."""
    with transaction(session_factory) as session:
        return [tuple(row) for row in session.execute(
            select(DokumentVersion.storage_key, DokumentVersion.rendition_key)
            .join(Dokument, DokumentVersion.dokument_id == Dokument.id).where(Dokument.akte_id == akte_id))]


def _version_keys(session_factory, akte_id) -> set[str]:
    return {key for row in _versions(session_factory, akte_id) for key in row if key}


def _hand_over(client, admin, aktenzeichen):
    """Ask for the hand-over package; return the (closed) response, its body read."""
    with client.post("/api/v1/disposal/handovers", json={"aktenzeichen": aktenzeichen}, headers=admin.headers) as response:
        response.get_data()
    return response


def test_admin_hands_a_file_over_records_the_confirmation_and_then_destroys_it(
        client, session_factory, authority, backend, stored_a_file):
    admin = authority.user("registratur", roles=("admin",))
    akte_id, aktenzeichen = stored_a_file

    package = _hand_over(client, admin, aktenzeichen)
    assert package.status_code == 200, package.get_data(as_text=True)
    assert package.mimetype == "application/zip"
    assert hashlib.sha256(package.data).hexdigest() == package.headers["X-Package-SHA256"]
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        [message_name] = [name for name in archive.namelist() if name.endswith("Aussonderung.Aussonderung.0503.xml")]
        assert validate_xdomea(archive.read(message_name)) == []
    handover_id = package.headers["X-Handover-Id"]

    early = client.post("/api/v1/disposal/destructions", json={"aktenzeichen": aktenzeichen}, headers=admin.headers)
    assert early.status_code == 409 and "confirm" in early.json["message"]

    confirmed = client.post(f"/api/v1/disposal/handovers/{handover_id}/confirmation",
                            json={"archive_reference": " LAMV 7/2026 "}, headers=admin.headers)
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["aktenzeichen"], confirmed.json["archive_reference"]) == (aktenzeichen, "LAMV 7/2026")
    assert confirmed.json["confirmed_at"] is not None
    twice = client.post(f"/api/v1/disposal/handovers/{handover_id}/confirmation",
                        json={"archive_reference": "LAMV 8"}, headers=admin.headers)
    assert twice.status_code == 409

    store = open_store(backend.storage_url)
    keys = _version_keys(session_factory, akte_id)
    assert keys and all(store.exists(key) for key in keys)
    destroyed = client.post("/api/v1/disposal/destructions", json={"aktenzeichen": aktenzeichen},
                            headers=admin.headers)
    assert destroyed.status_code == 200, destroyed.json
    versions = len(_versions(session_factory, akte_id))
    assert destroyed.json["complete"] is True and destroyed.json["versions_destroyed"] == versions > 1
    assert destroyed.json["objects_deleted"] == len(keys)
    assert not any(store.exists(key) for key in keys)
    with transaction(session_factory) as session:
        assert session.get(Akte, akte_id).status == "disposed"
        tombstones = session.scalars(select(AuditEvent.kind).where(AuditEvent.stream == f"akte/{akte_id}")).all()
    assert tombstones.count("dokument.version.destroyed") == versions and "akte.destroyed" in tombstones
    again = client.post("/api/v1/disposal/destructions", json={"aktenzeichen": aktenzeichen}, headers=admin.headers)
    assert again.status_code == 200 and again.json["versions_destroyed"] == 0 and again.json["complete"] is True


def test_a_storage_outage_after_the_destruction_is_reported_and_finished_by_repeating(
        client, session_factory, authority, backend, stored_a_file, monkeypatch):
    admin = authority.user("registratur", roles=("admin",))
    akte_id, aktenzeichen = stored_a_file
    package = _hand_over(client, admin, aktenzeichen)
    client.post(f"/api/v1/disposal/handovers/{package.headers['X-Handover-Id']}/confirmation",
                json={"archive_reference": "LAMV 9"}, headers=admin.headers)

    def storage_down(*args, **kwargs):
        raise StorageUnavailable("S3 down")

    monkeypatch.setattr("eakte.aussonderung.purge_destroyed_objects", storage_down)
    first = client.post("/api/v1/disposal/destructions", json={"aktenzeichen": aktenzeichen}, headers=admin.headers)
    assert first.status_code == 200 and first.json["complete"] is False and "repeat" in first.json["message"]
    with transaction(session_factory) as session:
        assert session.get(Akte, akte_id).status == "disposed"  # step 1 was committed
    monkeypatch.undo()
    store = open_store(backend.storage_url)
    keys = _version_keys(session_factory, akte_id)
    assert all(store.exists(key) for key in keys)
    second = client.post("/api/v1/disposal/destructions", json={"aktenzeichen": aktenzeichen}, headers=admin.headers)
    assert second.json == {"aktenzeichen": aktenzeichen, "versions_destroyed": 0, "objects_deleted": len(keys),
                           "complete": True, "message": None}
    assert not any(store.exists(key) for key in keys)


def test_hand_over_and_destruction_refuse_bad_requests(client, session_factory, authority, other_authority,
                                                       stored_a_file):
    admin = authority.user("registratur", roles=("admin",))
    clerk = authority.user("anna", roles=("clerk",))
    stranger = other_authority.user("eve", roles=("admin",))
    _, aktenzeichen = stored_a_file
    body = {"aktenzeichen": aktenzeichen}
    assert client.post("/api/v1/disposal/handovers", json=body, headers=clerk.headers).status_code == 403
    assert client.post("/api/v1/disposal/destructions", json=body, headers=clerk.headers).status_code == 403
    assert client.post("/api/v1/disposal/handovers", json=body, headers=stranger.headers).status_code == 404
    assert client.post("/api/v1/disposal/destructions", json=body, headers=stranger.headers).status_code == 404
    assert client.post("/api/v1/disposal/handovers", json={}, headers=admin.headers).status_code == 422
    assert client.post("/api/v1/disposal/handovers", json={"aktenzeichen": aktenzeichen, "archive": " "},
                       headers=admin.headers).status_code == 422
    unknown = client.post("/api/v1/disposal/handovers/nope/confirmation", json={"archive_reference": "x"},
                          headers=admin.headers)
    assert unknown.status_code == 404 and "nope" in unknown.json["message"]
    package = _hand_over(client, admin, aktenzeichen)
    handover_id = package.headers["X-Handover-Id"]
    foreign = client.post(f"/api/v1/disposal/handovers/{handover_id}/confirmation",
                          json={"archive_reference": "x"}, headers=stranger.headers)
    assert foreign.status_code == 404
    blank = client.post(f"/api/v1/disposal/handovers/{handover_id}/confirmation",
                        json={"archive_reference": "  "}, headers=admin.headers)
    assert blank.status_code == 422


def test_an_open_file_is_not_handed_over(client, session_factory, authority, backend):
    admin = authority.user("registratur", roles=("admin",))
    with transaction(session_factory) as session:
        akte = factories.make_akte(session, factories.make_unit(session, authority.id, code="80.08",
                                                                disposal_code="A"), closed_at=None)
        aktenzeichen = akte.aktenzeichen
    refused = client.post("/api/v1/disposal/handovers", json={"aktenzeichen": aktenzeichen}, headers=admin.headers)
    assert refused.status_code == 409 and "closed" in refused.json["message"]
