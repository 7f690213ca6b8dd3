"""REST API for disposal with the archive: due list, offer (0501), appraisal (0502), import confirmation (0506)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from eakte.models import Akte, ArchiveOffer
from eakte.storage import FileStore
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
