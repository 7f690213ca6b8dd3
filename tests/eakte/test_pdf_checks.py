"""Incoming PDF checks: rejection, active content findings, and the safe rendition."""

from __future__ import annotations

import io
import random

import pikepdf
import pytest

from eakte.pdf import PdfRejected, inspect_pdf, safe_rendition
from tests.eakte import pdf_samples

ACTIVE_SAMPLES = {
    "js_open_action": ["JavaScript in the document's open action"],
    "js_name_tree": ["JavaScript in the document's JavaScript name tree"],
    "launch_annotation": ["Launch action on page 2"],
    "embedded_exe": ["embedded file 'x.exe' in the document's attachments"],
    "file_attachment_annotation": ["embedded file 'notes.txt' on page 1"],
    "page_additional_actions": ["additional actions on page 2", "JavaScript on page 2"],
    "form_field_js": ["additional actions in form field 'betrag'", "JavaScript in form field 'betrag'", "XFA form"],
    "chained_js_in_link": ["JavaScript on page 1"],
}


def test_clean_pdf_has_no_findings():
    report = inspect_pdf(pdf_samples.clean())

    assert report.active_content == []
    assert report.pages == 2
    assert report.pdf_version.startswith("1.")
    assert report.title == "Bauantrag Lageplan"
    assert report.is_pdfa is None
    assert report.repairs == []


def test_accepts_a_binary_stream():
    assert inspect_pdf(io.BytesIO(pdf_samples.clean())).pages == 2


@pytest.mark.parametrize("sample, findings", ACTIVE_SAMPLES.items())
def test_active_content_is_reported(sample, findings):
    report = inspect_pdf(getattr(pdf_samples, sample)())

    assert sorted(report.active_content) == sorted(findings)


@pytest.mark.parametrize("sample", ACTIVE_SAMPLES)
def test_safe_rendition_removes_active_content_and_keeps_pages(sample):
    original = getattr(pdf_samples, sample)()

    cleaned = safe_rendition(original)

    report = inspect_pdf(cleaned)
    assert report.active_content == []
    assert report.pages == inspect_pdf(original).pages
    assert b"app.alert" not in cleaned and b"MZ\x90" not in cleaned


def test_safe_rendition_keeps_links_and_text():
    cleaned = safe_rendition(pdf_samples.clean())

    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        actions = [annot.A.S for annot in pdf.pages[0].Annots]
        assert actions == [pikepdf.Name.URI, pikepdf.Name.GoTo]
        assert b"(Seite 2)" in pdf.pages[1].Contents.read_bytes()


def test_safe_rendition_keeps_the_harmless_part_of_an_action_chain():
    with pikepdf.open(io.BytesIO(safe_rendition(pdf_samples.chained_js_in_link()))) as pdf:
        action = pdf.pages[0].Annots[0].A
        assert action.S == pikepdf.Name.GoTo
        assert [item.S for item in action.Next] == [pikepdf.Name.GoTo]


def test_pdfa_claim_is_read_from_xmp():
    pdf = pikepdf.open(io.BytesIO(pdf_samples.clean()))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    out = io.BytesIO()
    pdf.save(out)

    assert inspect_pdf(out.getvalue()).is_pdfa == "2B"


@pytest.mark.parametrize("owner_only", [True, False], ids=["owner-password-only", "user-password"])
def test_encrypted_pdf_is_rejected(owner_only):
    data = pdf_samples.encrypted(owner_only)

    with pytest.raises(PdfRejected, match="^the PDF is encrypted$"):
        inspect_pdf(data)
    with pytest.raises(PdfRejected, match="encrypted"):
        safe_rendition(data)


@pytest.mark.parametrize("data, message", [
    (b"", "^the file is empty$"),
    (pdf_samples.zip_file(), r"^not a PDF \(starts with b'PK\\x03\\x04"),
    (b"GIF89a" + bytes(100), "^not a PDF"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 4, "^the PDF is damaged: "),
    (pdf_samples.truncated(), "^the PDF is damaged: "),
], ids=["empty", "zip", "gif", "garbage-after-header", "truncated"])
def test_broken_input_is_rejected(data, message):
    with pytest.raises(PdfRejected, match=message):
        inspect_pdf(data)


def test_damaged_xref_is_repaired_accepted_and_noted():
    report = inspect_pdf(pdf_samples.damaged_xref())

    assert report.pages == 2
    assert report.active_content == []
    assert any("reconstruct cross-reference table" in note for note in report.repairs)
    assert not any("BytesIO" in note for note in report.repairs)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    kind = rng.choice(["flip", "truncate", "insert", "delete"])
    if kind == "truncate":
        return bytes(buffer[: rng.randrange(len(buffer))])
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(buffer))
        if kind == "flip":
            buffer[position] = rng.randrange(256)
        elif kind == "insert":
            buffer[position:position] = rng.randbytes(rng.randint(1, 16))
        else:
            del buffer[position: position + rng.randint(1, 16)]
    return bytes(buffer)


# A mutated form can leave widgets outside /AcroForm; pikepdf warns about that when
# saving, which is harmless for a viewing copy (warnings are errors in this suite).
@pytest.mark.filterwarnings("ignore::pikepdf.PageCopyWarning")
def test_random_mutations_give_a_report_or_a_rejection():
    rng = random.Random(20260301)
    seeds = [
        pdf_samples.form_field_js(),
        pdf_samples.chained_js_in_link(),
        pdf_samples.damaged_xref(),
        pdf_samples.embedded_exe(),
    ]
    outcomes = {"report": 0, "rejected": 0}
    for _ in range(200):
        data = _mutate(rng.choice(seeds), rng)
        try:
            inspect_pdf(data)
            safe_rendition(data)
            outcomes["report"] += 1
        except PdfRejected:
            outcomes["rejected"] += 1
    # Both outcomes must occur, or the mutations were too weak (or too strong) to test anything.
    assert outcomes["report"] > 0 and outcomes["rejected"] > 0, outcomes
