"""Checks for incoming PDFs and a safe copy for the clerk to open.

``inspect_pdf`` opens an uploaded PDF with pikepdf, rejects what cannot be
handled safely and reports what the file contains. ``safe_rendition`` returns
a copy with all active content removed; the original bytes are stored
unchanged elsewhere.

What counts as active content (reported and removed):

- JavaScript anywhere (any dictionary with a ``/JS`` entry or an action of
  type ``/JavaScript``: open action, name tree, additional actions, links,
  form fields, rendition actions);
- actions that start programs, send or load data or open embedded documents:
  ``/Launch``, ``/SubmitForm``, ``/ImportData``, ``/GoToE``;
- additional actions (``/AA``) on the document, pages, annotations and form
  fields: they run without the user clicking anything;
- embedded files (the ``/EmbeddedFiles`` name tree, file attachment
  annotations, any file specification with an ``/EF`` stream);
- XFA forms.

URI actions (web links) are not active content: viewers ask before opening
them, and a link in a letter is normal. Links to other pages (``/GoTo``) and
named actions are kept too.

Damaged files: qpdf repairs many damaged files (for example a broken xref
table) while opening them. Such a file is accepted; the repair messages are
listed in ``PdfReport.repairs`` so the file can be flagged for a closer look.
A file that cannot be opened at all is rejected.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pikepdf
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

HEADER_SEARCH_BYTES = 1024
"""PDF readers accept the ``%PDF-`` header anywhere in the first kilobyte."""

RISKY_ACTIONS = ("/Launch", "/SubmitForm", "/ImportData", "/GoToE")
"""Action types (besides JavaScript) that run, send, load or open something."""

# What pikepdf and qpdf raise on hostile input: qpdf errors, and Python errors
# from lazily parsed objects that turn out to be damaged or absurdly nested.
_PARSE_ERRORS = (pikepdf.PdfError, RuntimeError, ValueError, TypeError, KeyError, IndexError,
                 RecursionError, OverflowError, NotImplementedError)

_PDFA_NS = "http://www.aiim.org/pdfa/ns/id/"
_DC_NS = "http://purl.org/dc/elements/1.1/"


_STREAM_NAME = re.compile(r"stream <[^>]*>:?\s*")


def _describe(problem: object) -> str:
    """Return a qpdf message without the name of the in-memory stream it read."""
    return _STREAM_NAME.sub("", str(problem)).strip() or type(problem).__name__


class PdfRejected(ValueError):
    """The file is not a PDF that can be accepted; the message says why."""


@dataclass(frozen=True)
class PdfReport:
    """What an accepted PDF contains.

    Attributes:
        pages: Number of pages.
        pdf_version: Version from the header, e.g. ``"1.7"``.
        active_content: Human-readable findings, empty for a clean file.
        is_pdfa: PDF/A conformance the XMP metadata claims (e.g. ``"2B"``),
            not verified; ``None`` if there is no claim.
        title: Document title from XMP or the document info, if any.
        repairs: Messages of repairs qpdf made while opening a damaged file.
    """

    pages: int
    pdf_version: str
    active_content: list[str]
    is_pdfa: str | None
    title: str | None
    repairs: list[str] = field(default_factory=list)


def inspect_pdf(data: bytes | BinaryIO) -> PdfReport:
    """Check an incoming PDF and report what it contains.

    Args:
        data: The file's bytes or a binary stream positioned at its start.

    Returns:
        The report; ``active_content`` lists every finding.

    Raises:
        PdfRejected: The input is empty, not a PDF, encrypted (also with an
            owner password only) or too damaged to open. No other exception is
            raised for hostile input.
    """
    raw = data if isinstance(data, bytes) else data.read()
    with _open(raw) as pdf:
        try:
            return PdfReport(
                pages=len(pdf.pages),
                pdf_version=pdf.pdf_version,
                active_content=_findings(pdf),
                is_pdfa=_pdfa_claim(pdf),
                title=_title(pdf),
                repairs=[_describe(warning) for warning in pdf.get_warnings()],
            )
        except _PARSE_ERRORS as error:
            raise PdfRejected(f"the PDF is damaged: {_describe(error)}") from error


def safe_rendition(data: bytes) -> bytes:
    """Return a copy of a PDF with all active content removed.

    Args:
        data: The original PDF's bytes (left unchanged).

    Returns:
        A new PDF with the same pages and no active content.

    Raises:
        PdfRejected: For the same reasons as ``inspect_pdf``, or if active
            content remains after cleaning (then no copy is handed out).
    """
    with _open(data) as pdf:
        try:
            _strip_active_content(pdf)
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False)
        except _PARSE_ERRORS as error:
            raise PdfRejected(f"the PDF is damaged: {_describe(error)}") from error
    cleaned = out.getvalue()
    remaining = inspect_pdf(cleaned).active_content
    if remaining:
        raise PdfRejected(f"active content could not be removed: {'; '.join(remaining)}")
    return cleaned


def _open(raw: bytes) -> pikepdf.Pdf:
    if not raw:
        raise PdfRejected("the file is empty")
    if b"%PDF-" not in raw[:HEADER_SEARCH_BYTES]:
        raise PdfRejected(f"not a PDF (starts with {raw[:8]!r})")
    try:
        pdf = pikepdf.open(io.BytesIO(raw))
    except pikepdf.PasswordError as error:
        raise PdfRejected("the PDF is encrypted") from error
    except _PARSE_ERRORS as error:
        raise PdfRejected(f"the PDF is damaged: {_describe(error)}") from error
    if pdf.is_encrypted:
        pdf.close()
        raise PdfRejected("the PDF is encrypted")
    return pdf


# --- finding active content -------------------------------------------------

def _labelled_roots(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, str]]:
    """Yield the places to search, most specific first, each with a location text.

    An object is searched once, under the first location it is reached from,
    so specific places come before the whole-document sweep.
    """
    root = pdf.Root
    if "/OpenAction" in root:
        yield root.OpenAction, "in the document's open action"
    if "/AA" in root:
        yield root.AA, "in the document's additional actions"
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            yield names.JavaScript, "in the document's JavaScript name tree"
        if "/EmbeddedFiles" in names:
            yield names.EmbeddedFiles, "in the document's attachments"
    acroform = root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary):
        fields = acroform.get("/Fields")
        for form_field in fields if isinstance(fields, pikepdf.Array) else ():
            name = form_field.get("/T") if isinstance(form_field, pikepdf.Dictionary) else None
            yield form_field, f"in form field '{name}'" if isinstance(name, pikepdf.String) else "in a form field"
        yield acroform, "in the form"
    for number, page in enumerate(pdf.pages, start=1):
        yield page.obj, f"on page {number}"
    if "/Outlines" in root:
        yield root.Outlines, "in the bookmarks"
    yield pdf.trailer, "in the document"


_CONTAINERS = (pikepdf.Array, pikepdf.Dictionary, pikepdf.Stream)


def _children(obj: pikepdf.Object) -> Iterator[pikepdf.Object]:
    if isinstance(obj, pikepdf.Array):
        values = iter(obj)
    else:
        # Back links (page tree, parent field, annotation's page) lead to objects
        # searched on their own; following them would file findings under the
        # wrong location. Viewers run no action found under these keys.
        values = (obj[key] for key in obj.keys() if key not in ("/Parent", "/P"))
    return (value for value in values if isinstance(value, _CONTAINERS))


def _walk(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, str]]:
    """Yield every reachable dictionary (and stream) once, with its location text."""
    seen: set[tuple[int, int]] = set()
    for start, location in _labelled_roots(pdf):
        stack = [start] if isinstance(start, _CONTAINERS) else []
        while stack:
            obj = stack.pop()
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            if not isinstance(obj, pikepdf.Array):
                yield obj, location
            stack.extend(_children(obj))


def _findings(pdf: pikepdf.Pdf) -> list[str]:
    findings: list[str] = []
    for obj, location in _walk(pdf):
        findings.extend(_findings_in(obj, location))
    return list(dict.fromkeys(findings))


def _findings_in(obj: pikepdf.Object, location: str) -> Iterator[str]:
    action_type = obj.get("/S")
    if "/JS" in obj or action_type == "/JavaScript":
        yield f"JavaScript {location}"
    elif action_type in RISKY_ACTIONS:
        yield f"{str(action_type)[1:]} action {location}"
    triggers = obj.get("/AA")
    if isinstance(triggers, pikepdf.Dictionary) and len(triggers):
        yield f"additional actions {location}"
    if "/EF" in obj:
        yield f"embedded file '{_file_name(obj)}' {location}"
    if "/XFA" in obj:
        yield "XFA form"


def _file_name(filespec: pikepdf.Object) -> str:
    for key in ("/UF", "/F"):
        name = filespec.get(key)
        if isinstance(name, pikepdf.String):
            return str(name)
    return "(no name)"


# --- metadata ----------------------------------------------------------------

def _xmp_root(pdf: pikepdf.Pdf):
    metadata = pdf.Root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        return None
    try:
        return SafeElementTree.fromstring(metadata.read_bytes())
    except (SafeElementTree.ParseError, DefusedXmlException, pikepdf.PdfError, ValueError):
        return None


def _pdfa_claim(pdf: pikepdf.Pdf) -> str | None:
    xmp = _xmp_root(pdf)
    if xmp is None:
        return None
    values = {}
    for element in xmp.iter():
        for name in ("part", "conformance"):
            qualified = f"{{{_PDFA_NS}}}{name}"
            if qualified in element.attrib:
                values[name] = element.attrib[qualified]
            elif element.tag == qualified and element.text:
                values[name] = element.text
    if "part" not in values:
        return None
    return f"{values['part'].strip()}{values.get('conformance', '').strip().upper()}"


def _title(pdf: pikepdf.Pdf) -> str | None:
    info = pdf.trailer.get("/Info")
    title = info.get("/Title") if isinstance(info, pikepdf.Dictionary) else None
    if isinstance(title, pikepdf.String) and str(title).strip():
        return str(title)
    xmp = _xmp_root(pdf)
    for element in xmp.iter(f"{{{_DC_NS}}}title") if xmp is not None else ():
        text = "".join(element.itertext()).strip()
        if text:
            return text
    return None


# --- removing active content -------------------------------------------------

def _is_active_action(action: pikepdf.Object) -> bool:
    return isinstance(action, pikepdf.Dictionary) and (
        "/JS" in action or action.get("/S") in (*RISKY_ACTIONS, "/JavaScript"))


def _strip_active_content(pdf: pikepdf.Pdf) -> None:
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    if "/Collection" in pdf.Root:
        del pdf.Root.Collection
    for obj, _location in list(_walk(pdf)):
        _strip_dictionary(obj)


def _strip_dictionary(obj: pikepdf.Object) -> None:
    """Remove active entries from one dictionary (or stream dictionary).

    Actions are removed wherever they are referenced (``/A``, ``/OpenAction``,
    ``/Next`` or any other key, directly or as an array item), so a chain
    keeps its harmless actions.
    """
    for key in ("/AA", "/JS", "/EF", "/XFA"):
        if key in obj:
            del obj[key]
    for key in list(obj.keys()):
        if key in ("/Parent", "/P"):
            continue
        value = obj[key]
        if _is_active_action(value) or _is_file_attachment(value):
            del obj[key]
        elif isinstance(value, pikepdf.Array):
            kept = [item for item in value if not (_is_active_action(item) or _is_file_attachment(item))]
            if len(kept) != len(value):
                obj[key] = pikepdf.Array(kept)


def _is_file_attachment(annot: pikepdf.Object) -> bool:
    return isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == "/FileAttachment"
