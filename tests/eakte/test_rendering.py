"""Generated documents: PDF/A identification, metadata, embedded fonts, text and escaping.

The PDF/A claim and the metadata are checked with pikepdf; no PDF/A validator
(veraPDF) runs here. Text is extracted with ``pdftotext`` (Debian package
poppler-utils).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import jinja2
import pikepdf
import pytest

from eakte.pdf import inspect_pdf
from eakte.rendering import DocumentMeta, render_pdf

CREATED = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # already 2 March in Germany

META = DocumentMeta(
    title="Protokoll: Vollständigkeitsprüfung",
    aktenzeichen="63.01-2026-000123",
    author="Erika Mustermann",
    authority="Landkreis Vorpommern-Greifswald – Bauamt",
    created_at=CREATED,
    subject="Bauantrag Müller, Flurstück 12/3",
)

HOSTILE = '<script>alert("x")</script><b>fett</b>'

CONTEXTS = {
    "task_protocol.html": {
        "task_name": "Vollständigkeit prüfen",
        "completed_by": "Erika Mustermann",
        "completed_at": datetime(2026, 3, 1, 9, 5, tzinfo=timezone.utc),
        "entries": [("Unterlagen vollständig", True), ("Bemerkung", HOSTILE), ("Grundfläche (m²)", 123.5)],
    },
    "notice.html": {
        "addressee": ["Max Müller", "Hauptstraße 1", "17489 Greifswald"],
        "subject": "Ihr Bauantrag vom 12.02.2026",
        "decision": "Die Baugenehmigung wird erteilt.\n\nDie Auflagen sind einzuhalten.",
        "reasons": f"Das Vorhaben ist zulässig. {HOSTILE}",
        "legal_remedy": "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.",
        "signer": "Erika Mustermann",
        "signer_role": "Sachbearbeiterin",
    },
    "certificate.html": {
        "entries": [("Familienname", "Musterfrau"), ("Vornamen", HOSTILE), ("Geburtsdatum", datetime(2026, 2, 14).date())],
        "place": "Greifswald",
        "issued_by": "Standesamt Greifswald",
    },
}

EXPECTED_TEXT = {
    "task_protocol.html": ["Vollständigkeit prüfen", "Erledigt am", "01.03.2026, 10:05 Uhr", "Unterlagen vollständig",
                           "ja", "123,5"],
    "notice.html": ["Max Müller", "17489 Greifswald", "Betreff: Ihr Bauantrag vom 12.02.2026", "Entscheidung",
                    "Die Baugenehmigung wird erteilt.", "Begründung", "Rechtsbehelfsbelehrung",
                    "Widerspruch erhoben werden.", "Sachbearbeiterin"],
    "certificate.html": ["Familienname", "Musterfrau", "14.02.2026", "Greifswald, 02.03.2026", "Standesamt Greifswald"],
}


def pdf_text(data: bytes) -> str:
    """Extract the text of a PDF with pdftotext; pages end with a form feed."""
    assert shutil.which("pdftotext"), "pdftotext is missing: install the Debian package poppler-utils"
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def flat_text(data: bytes) -> str:
    """The text of a PDF with all whitespace (line breaks too) collapsed to single spaces."""
    return " ".join(pdf_text(data).split())


def embedded_font_files(pdf: pikepdf.Pdf) -> dict[str, bool]:
    """Map every font used on any page (also inside form XObjects) to whether its program is embedded."""
    fonts: dict[str, bool] = {}
    resources = [page.obj.get("/Resources") for page in pdf.pages]
    while resources:
        resource = resources.pop()
        if not isinstance(resource, pikepdf.Dictionary):
            continue
        for font in resource.get("/Font", {}).values():
            descendants = font.get("/DescendantFonts", [font])
            descriptor = descendants[0].get("/FontDescriptor", {})
            fonts[str(font.BaseFont)] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        resources.extend(xobject.get("/Resources") for xobject in resource.get("/XObject", {}).values())
    return fonts


@pytest.fixture(scope="module", params=sorted(CONTEXTS))
def rendered(request) -> tuple[str, bytes]:
    return request.param, render_pdf(request.param, CONTEXTS[request.param], META)


def test_claims_pdfa_2b_in_xmp(rendered):
    _, data = rendered
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "2"
        assert xmp["pdfaid:conformance"] == "B"
    report = inspect_pdf(data)
    assert report.is_pdfa == "2B"
    assert report.active_content == []


def test_xmp_and_document_info_carry_the_metadata(rendered):
    _, data = rendered
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == META.title
        assert xmp["dc:creator"] == [META.author]
        assert xmp["dc:identifier"] == META.aktenzeichen
        assert xmp["pdf:Keywords"] == META.aktenzeichen
        assert xmp["dc:description"] == META.subject
        assert datetime.fromisoformat(xmp["xmp:CreateDate"]) == CREATED
        info = pdf.docinfo
        assert str(info.Title) == META.title
        assert str(info.Author) == META.author
        assert str(info.Keywords) == META.aktenzeichen
        assert str(info.Subject) == META.subject
        assert str(info.Producer) == xmp["pdf:Producer"]
        assert str(info.CreationDate) == "D:20260301233000+00'00'"
        assert pdf.Root.Lang == "de"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked is True


def test_all_fonts_are_embedded(rendered):
    _, data = rendered
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = embedded_font_files(pdf)
    assert fonts, "no fonts found"
    assert all(fonts.values()), fonts
    assert all("DejaVu-Sans" in name for name in fonts), fonts


def test_text_of_letterhead_and_context_is_present(rendered):
    template, data = rendered
    text = flat_text(data)
    expected = [META.authority, META.aktenzeichen, "02.03.2026", "Seite 1 von 1", *EXPECTED_TEXT[template]]
    missing = [snippet for snippet in expected if snippet not in text]
    assert not missing, text


def test_html_in_user_data_is_printed_as_text(rendered):
    _, data = rendered
    assert HOSTILE in flat_text(data)


def test_long_document_numbers_pages_and_repeats_the_file_number():
    context = dict(CONTEXTS["task_protocol.html"], entries=[(f"Angabe {n}", f"Wert {n}") for n in range(120)])

    pages = pdf_text(render_pdf("task_protocol.html", context, META)).split("\f")[:-1]

    assert len(pages) >= 2
    assert f"Seite 1 von {len(pages)}" in pages[0]
    assert f"Seite 2 von {len(pages)}" in pages[1]
    assert f"Az. {META.aktenzeichen}" in pages[1] and f"Az. {META.aktenzeichen}" not in pages[0]


def test_html_in_metadata_is_escaped_too():
    meta = DocumentMeta(title="Urkunde <i>x</i>", aktenzeichen="51.10-2026-000001", author="A & B",
                        authority="Standesamt <Greifswald>", created_at=CREATED)

    data = render_pdf("certificate.html", {"entries": [("Name", "Test")]}, meta)

    text = flat_text(data)
    assert "Urkunde <i>x</i>" in text and "Standesamt <Greifswald>" in text
    assert inspect_pdf(data).title == "Urkunde <i>x</i>"


def test_created_at_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        DocumentMeta(title="t", aktenzeichen="a", author="b", authority="c", created_at=datetime(2026, 3, 1))


def test_other_timezones_keep_their_offset_in_the_metadata():
    created = datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    meta = DocumentMeta(title="t", aktenzeichen="a", author="b", authority="c", created_at=created)

    with pikepdf.open(io.BytesIO(render_pdf("certificate.html", {"entries": []}, meta))) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20260701080000+02'00'"
        assert datetime.fromisoformat(pdf.open_metadata()["xmp:CreateDate"]) == created


def test_missing_context_value_fails():
    with pytest.raises(jinja2.UndefinedError):
        render_pdf("notice.html", {"subject": "x"}, META)


def test_meta_is_reserved_in_the_context():
    with pytest.raises(ValueError, match="reserved"):
        render_pdf("certificate.html", {"entries": [], "meta": "x"}, META)
