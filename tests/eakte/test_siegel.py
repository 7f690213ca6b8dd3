"""Electronic seal (PAdES B-B with pyHanko): sealing, verification, PDF/A metadata, configuration.

Everything runs offline: the test CA is the only trust root and the
validation context may not fetch revocation data.
"""

from __future__ import annotations

import io
import socket

import pikepdf
import pytest

from eakte.rendering import render_pdf
from eakte.siegel import SEAL_LEVEL, SealError, Sealer, make_test_seal_certificate, seal_pdf, verify_seal
from tests.eakte.test_rendering import CONTEXTS, META

AUTHORITY = "Landeshauptstadt Schwerin"


@pytest.fixture(scope="module")
def seal_files(tmp_path_factory):
    return make_test_seal_certificate(tmp_path_factory.mktemp("seal"), AUTHORITY)


@pytest.fixture(scope="module")
def sealer(seal_files):
    key, cert, ca = seal_files
    return Sealer.load(key, cert, [ca])


@pytest.fixture(scope="module")
def notice():
    return render_pdf("notice.html", CONTEXTS["notice.html"], META)


@pytest.fixture(scope="module")
def sealed(notice, sealer):
    return seal_pdf(notice, sealer)


@pytest.fixture()
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_sealed_notice_verifies_against_the_test_ca(sealed, seal_files, no_network):
    report = verify_seal(sealed, [seal_files[2]])
    assert report.valid and report.intact and report.trusted and report.covers_whole_file
    assert report.problem is None and report.level == SEAL_LEVEL == "PAdES-B-B"
    assert f"Organization: {AUTHORITY}" in report.signer and report.signed_at is not None


def test_seal_is_an_incremental_update_of_the_pdfa(notice, sealed):
    with pikepdf.open(io.BytesIO(notice)) as original:
        pages = len(original.pages)
    with pikepdf.open(io.BytesIO(sealed)) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp["pdfaid:part"] == "2" and xmp["pdfaid:conformance"] == "B"
            assert xmp["dc:identifier"] == META.aktenzeichen and xmp["dc:title"] == META.title
            # PDF/A: info dictionary and XMP must agree
            assert str(pdf.docinfo.Producer) == xmp["pdf:Producer"]
        assert str(pdf.docinfo.Title) == META.title and len(pdf.pages) == pages
        [field] = pdf.Root.AcroForm.Fields
        assert field.FT == "/Sig" and field.V.SubFilter == "/ETSI.CAdES.detached"
        assert list(field.Rect) == [0, 0, 0, 0] and int(field.F) & 4  # invisible, print flag set
        assert "/Filter" not in pdf.Root.Metadata.stream_dict


def test_a_byte_changed_after_sealing_breaks_the_seal(sealed, seal_files):
    tampered = bytearray(sealed)
    position = sealed.index(b"stream", 2000) + 20  # inside a signed content stream
    tampered[position] ^= 0x01
    report = verify_seal(bytes(tampered), [seal_files[2]])
    assert not report.valid and not report.intact
    assert report.problem == "the document was changed after sealing"


def test_a_seal_from_another_ca_is_not_trusted(sealed, tmp_path):
    _, _, foreign_ca = make_test_seal_certificate(tmp_path, "Landkreis Ludwigslust-Parchim")
    report = verify_seal(sealed, [foreign_ca])
    assert report.intact and not report.trusted and not report.valid
    assert "trusted root" in report.problem


def test_unsealed_pdf_is_reported_not_raised(notice, seal_files):
    report = verify_seal(notice, [seal_files[2]])
    assert not report.valid and report.signer is None and report.problem == "the PDF has no seal"


def test_sealing_twice_is_refused(sealed, sealer):
    with pytest.raises(SealError, match="already signed"):
        seal_pdf(sealed, sealer)


def test_garbage_is_refused(sealer):
    with pytest.raises(SealError, match="cannot be read"):
        seal_pdf(b"%PDF-1.7\nnot really", sealer)


def test_configuration_from_settings_and_environment_names(tmp_path):
    key, cert, ca = make_test_seal_certificate(tmp_path, AUTHORITY, passphrase="geheim")
    assert Sealer.from_config({}) is None
    assert Sealer.from_config({"SEAL_KEY_FILE": None, "SEAL_CERT_FILE": ""}) is None
    sealer = Sealer.from_config({"AKTENFLUSS_SEAL_KEY_FILE": str(key), "AKTENFLUSS_SEAL_CERT_FILE": str(cert),
                                 "AKTENFLUSS_SEAL_CHAIN_FILES": str(ca), "AKTENFLUSS_SEAL_PASSPHRASE": "geheim"})
    assert sealer.organisation == AUTHORITY and "Siegel (TEST)" in sealer.subject
    assert [c.subject for c in sealer.signer.cert_registry] == [sealer.signer.signing_cert.issuer]
    assert (key.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("settings, message", [
    ({"SEAL_KEY_FILE": "/nonexistent/key.pem"}, "both"),
    ({"SEAL_KEY_FILE": "/nonexistent/key.pem", "SEAL_CERT_FILE": "/nonexistent/cert.pem"}, "cannot load"),
])
def test_incomplete_or_missing_configuration_fails_loudly(settings, message):
    with pytest.raises(SealError, match=message):
        Sealer.from_config(settings)


def test_wrong_passphrase_and_mismatched_key_are_refused(tmp_path):
    key, cert, _ = make_test_seal_certificate(tmp_path / "a", AUTHORITY, passphrase="geheim")
    with pytest.raises(SealError, match="cannot load"):
        Sealer.load(key, cert, passphrase="falsch")
    other_key, _, _ = make_test_seal_certificate(tmp_path / "b", AUTHORITY)
    with pytest.raises(SealError, match="does not belong"):
        Sealer.load(other_key, cert)
