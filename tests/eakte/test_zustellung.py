"""Notices and their digital delivery, at the service level: issue, make available, download, proof."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from eakte import akten
from eakte.errors import EakteError, FileClosed, NotFound
from eakte.models import Akte, AuditEvent, DokumentVersion, Vorgang, Zustellung
from eakte.rendering import DocumentMeta
from eakte.siegel import Sealer, make_test_seal_certificate, verify_seal
from eakte.zustellung import (
    LINK_UNAVAILABLE,
    UNSEALED_FINDING,
    download,
    is_sealed,
    issue_notice,
    make_available,
    truncate_address,
)
from engine.db import transaction
from tests.eakte.test_rendering import CONTEXTS

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
AUTHORITY = "Landkreis Ludwigslust-Parchim"


@pytest.fixture(scope="module")
def seal_files(tmp_path_factory):
    return make_test_seal_certificate(tmp_path_factory.mktemp("seal"), AUTHORITY)


@pytest.fixture(scope="module")
def sealer(seal_files):
    key, cert, ca = seal_files
    return Sealer.load(key, cert, [ca])


def _issue(session, store, sealer, vorgang_id, doc_type="Bescheid"):
    vorgang = session.get(Vorgang, vorgang_id)
    akte = session.get(Akte, vorgang.akte_id)
    meta = DocumentMeta(title="Baugenehmigung", aktenzeichen=akte.aktenzeichen, author="Anna Schmidt",
                        authority=AUTHORITY, created_at=NOW, subject="Carport Müller")
    return issue_notice(session, store, sealer, vorgang, template="notice.html", context=CONTEXTS["notice.html"],
                        meta=meta, subject="Baugenehmigung Carport", doc_type=doc_type, actor="anna", now=NOW)


def _events(session, akte_id, kind):
    return session.scalars(select(AuditEvent).where(AuditEvent.stream == f"akte/{akte_id}", AuditEvent.kind == kind)
                           .order_by(AuditEvent.seq)).all()


def _read(store, key) -> bytes:
    return b"".join(store.open(key))


def test_issued_notice_is_sealed_pdfa_filed_as_outgoing(session_factory, file_store, sealer, seal_files, vorgang_id):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, sealer, vorgang_id)
        document = version.dokument
        assert (document.doc_type, document.direction, document.author) == ("Bescheid", "outgoing", "Anna Schmidt")
        assert version.filename == "Baugenehmigung.pdf" and version.media_type == "application/pdf"
        assert is_sealed(version) and "PAdES-B-B" in version.findings[0] and AUTHORITY in version.findings[0]
        data = _read(file_store, version.storage_key)
        assert hashlib.sha256(data).hexdigest() == version.sha256
        akte_id = document.akte_id
    assert verify_seal(data, [seal_files[2]]).valid
    with transaction(session_factory) as session:
        [stored] = _events(session, akte_id, "document.stored")
        assert stored.data["findings"] == version.findings


def test_without_a_seal_the_notice_says_so(session_factory, file_store, vorgang_id):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, None, vorgang_id)
        assert version.findings == [UNSEALED_FINDING] and not is_sealed(version)


def test_delivery_proves_when_made_available_and_first_downloaded(session_factory, file_store, sealer, vorgang_id):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, sealer, vorgang_id)
        delivery, token = make_available(session, version, recipient="Erika Müller", now=NOW, ttl_days=10,
                                         actor="anna")
        assert delivery.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and token not in str(vars(delivery))
        assert delivery.expires_at == NOW + timedelta(days=10) and delivery.first_downloaded_at is None
        delivery_id, akte_id, sha = delivery.id, delivery.akte_id, version.sha256

    first, second = NOW + timedelta(days=2), NOW + timedelta(days=3)
    with transaction(session_factory) as session:
        _, got, stream = download(session, file_store, token, now=first, remote_addr="192.0.2.77")
        assert b"".join(stream) == _read(file_store, got.storage_key) and got.sha256 == sha
    with transaction(session_factory) as session:
        download(session, file_store, token, now=second, remote_addr="2001:db8:1234:5678::1")
    with transaction(session_factory) as session:
        delivery = session.get(Zustellung, delivery_id)
        assert delivery.first_downloaded_at == first and delivery.download_count == 2
        [made] = _events(session, akte_id, "notice.made_available")
        assert made.actor == "anna" and made.occurred_at == NOW
        assert made.data | {"delivery_id": delivery_id, "recipient": "Erika Müller", "sha256": sha, "version": 1,
                            "sealed": True, "expires_at": (NOW + timedelta(days=10)).isoformat()} == made.data
        downloads = _events(session, akte_id, "notice.downloaded")
        assert [e.data["client"] for e in downloads] == ["192.0.2.0/24", "2001:db8:1234::/48"]
        assert [e.data["first_downloaded_at"] for e in downloads] == [first.isoformat()] * 2
        assert [e.data["download_count"] for e in downloads] == [1, 2] and downloads[0].actor is None


def test_unknown_and_expired_links_get_the_same_neutral_answer(session_factory, file_store, sealer, vorgang_id):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, sealer, vorgang_id)
        _, token = make_available(session, version, recipient="Erika Müller", now=NOW, ttl_days=1, actor="anna")
    for wrong, when in ((token, NOW + timedelta(days=1)), (token[:-1] + "x", NOW), ("", NOW)):
        with transaction(session_factory) as session, pytest.raises(NotFound) as caught:
            download(session, file_store, wrong, now=when, remote_addr=None)
        assert caught.value.message == LINK_UNAVAILABLE


def test_closed_file_delivers_no_new_notices_but_records_downloads(session_factory, file_store, sealer, vorgang_id):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, sealer, vorgang_id)
        delivery, token = make_available(session, version, recipient="Erika Müller", now=NOW, actor="anna")
        akten.close_akte(session, session.get(Akte, delivery.akte_id), now=NOW, actor="anna")
        version_id = version.id
    with transaction(session_factory) as session:
        version = session.get(DokumentVersion, version_id)
        with pytest.raises(FileClosed):
            make_available(session, version, recipient="Erika Müller", now=NOW, actor="anna")
    with transaction(session_factory) as session:
        download(session, file_store, token, now=NOW + timedelta(hours=1), remote_addr="198.51.100.9")
    with transaction(session_factory) as session:
        assert session.get(Zustellung, delivery.id).download_count == 1


@pytest.mark.parametrize("doc_type, recipient, ttl_days, message", [
    ("Vermerk", "Erika Müller", 10, "only outgoing documents of type Bescheid or Urkunde"),
    ("Bescheid", "  ", 10, "recipient"),
    ("Bescheid", "Erika Müller", 0, "ttl_days"),
    ("Bescheid", "Erika Müller", 91, "ttl_days"),
])
def test_invalid_deliveries_are_refused(session_factory, file_store, vorgang_id, doc_type, recipient, ttl_days,
                                        message):
    with transaction(session_factory) as session:
        version = _issue(session, file_store, None, vorgang_id, doc_type=doc_type)
        with pytest.raises(EakteError, match=message):
            make_available(session, version, recipient=recipient, now=NOW, ttl_days=ttl_days, actor="anna")


@pytest.mark.parametrize("address, expected", [
    ("203.0.113.200", "203.0.113.0/24"),
    ("2001:db8:abcd:12::7", "2001:db8:abcd::/48"),
    ("::ffff:203.0.113.200", "203.0.113.0/24"),
    ("not-an-ip", None),
    (None, None),
])
def test_client_addresses_are_truncated(address, expected):
    assert truncate_address(address) == expected
