"""Checks on incoming content: size, real media type, file name, PDF safety.

The declared file name and content type are never trusted: the media type
is sniffed from the bytes, names lose any path and control characters, and
PDFs are opened with pikepdf. A PDF with active content is accepted (the
original is evidence and kept as received) but gets a cleaned rendition,
which is what clerks open.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import filetype

from eakte.errors import UnsupportedContent
from eakte.pdf import PdfRejected, inspect_pdf, safe_rendition

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

ALLOWED_MEDIA_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/xml": ".xml",
    "application/json": ".json",
    "text/plain": ".txt",
    "text/html": ".html",
}


@dataclass(frozen=True)
class CheckedContent:
    """Content that passed intake, with what was found out about it."""

    data: bytes
    filename: str
    media_type: str
    rendition: bytes | None = None
    rendition_media_type: str | None = None
    findings: list[str] = field(default_factory=list)


def check_content(data: bytes, filename: str | None, max_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedContent:
    """Check uploaded bytes; raise UnsupportedContent naming the problem."""
    if not data:
        raise UnsupportedContent("the file is empty")
    if len(data) > max_bytes:
        raise UnsupportedContent(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    media_type = sniff_media_type(data)
    if media_type not in ALLOWED_MEDIA_TYPES:
        allowed = ", ".join(sorted(ALLOWED_MEDIA_TYPES))
        raise UnsupportedContent(f"files of type {media_type} are not accepted (allowed: {allowed})")
    name = safe_filename(filename, ALLOWED_MEDIA_TYPES[media_type])
    if media_type != "application/pdf":
        return CheckedContent(data, name, media_type)
    try:
        report = inspect_pdf(data)
    except PdfRejected as exc:
        raise UnsupportedContent(f"PDF rejected: {exc}") from exc
    if report.active_content:
        findings = [f"active content removed from the rendition: {item}" for item in report.active_content]
        return CheckedContent(data, name, media_type, safe_rendition(data), media_type, findings)
    return CheckedContent(data, name, media_type)


def sniff_media_type(data: bytes) -> str:
    """Determine the media type from the content itself."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "application/octet-stream"
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or (stripped.startswith("<") and not stripped[:15].lower().startswith(("<!doctype html", "<html"))):
        return "application/xml"
    if stripped[:15].lower().startswith(("<!doctype html", "<html")):
        return "text/html"
    if stripped[:1] in "{[":
        try:
            json.loads(text)
            return "application/json"
        except ValueError:
            pass
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096]):
        return "text/plain"
    return "application/octet-stream"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_filename(filename: str | None, extension: str) -> str:
    """Return a harmless file name: no path, no control or reserved characters, sensible length.

    German letters are kept (``Lageplan_Müller.pdf``); the extension follows
    the sniffed type (a PNG uploaded as ``x.pdf`` is stored as ``x.png``).
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._") or "dokument"
    return f"{stem[:150]}{extension}"
