"""Generated documents (protocols, notices, certificates) as PDF/A.

A Jinja2 template from ``eakte/templates`` is filled with the context (user
data is HTML-escaped) and rendered by WeasyPrint as PDF/A-2b with tagged
structure. Fonts come from the system (DejaVu Sans, Debian package
``fonts-dejavu-core``) and are embedded as subsets.

Why PDF/A-2b: WeasyPrint offers one variant per document, so PDF/A and PDF/UA
cannot be claimed together. PDF/A is the archival requirement and is claimed;
the document is tagged (``pdf_tags``) and has a language and a displayed
title, but PDF/UA is not claimed because nothing here validates it. Part 2 is
chosen over part 3 because archives accept it more widely (part 3 allows
arbitrary embedded files; these documents have none). The claim is not
validated either (no veraPDF in this project).

Metadata: WeasyPrint writes the XMP and the document info dictionary from the
HTML head (title, author, keywords = Aktenzeichen, description = subject,
creation date) so both agree; ``dc:identifier`` (the Aktenzeichen) is added
afterwards with pikepdf, which leaves the PDF/A identification untouched.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pikepdf
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

TEMPLATE_DIR = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATE_DIR / "document.css"
PDF_VARIANT = "pdf/a-2b"
OUTPUT_INTENT = "--srgb"
"""Colour profile named in document.css; WeasyPrint's own sRGB default leaks a file handle."""
SRGB_PROFILE_URL = "aktenfluss-resource:srgb.icc"
SRGB_PROFILE = files("weasyprint.pdf") / "sRGB2014.icc"
"""The sRGB profile WeasyPrint ships and would use for PDF/A by default."""
DISPLAY_TIMEZONE = ZoneInfo("Europe/Berlin")
"""Dates printed in documents are local German time; metadata keeps the instant."""


@dataclass(frozen=True)
class DocumentMeta:
    """Metadata of a generated document.

    Attributes:
        title: Document title (heading, XMP ``dc:title``, info ``/Title``).
        aktenzeichen: File number, printed in the letterhead and stored as
            XMP ``dc:identifier`` and ``pdf:Keywords``.
        author: Person or office responsible (``dc:creator``, ``/Author``).
        authority: Name of the authority, printed in the letterhead.
        created_at: Creation time, tz-aware.
        subject: Optional short description (``dc:description``, ``/Subject``).
        language: BCP 47 language of the text (``/Lang``, HTML ``lang``).
    """

    title: str
    aktenzeichen: str
    author: str
    authority: str
    created_at: datetime
    subject: str | None = None
    language: str = "de"

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")


def render_pdf(template: str, context: dict, meta: DocumentMeta) -> bytes:
    """Render a template to a PDF/A-2b document.

    Args:
        template: Template file name in ``eakte/templates``, e.g.
            ``"task_protocol.html"``.
        context: Values the template needs (see the comment at the top of each
            template); strings are escaped, never interpreted as HTML.
        meta: Document metadata; available to templates as ``meta``.

    Returns:
        The PDF bytes.

    Raises:
        ValueError: ``context`` contains the reserved key ``meta``.
        jinja2.TemplateNotFound: No such template.
        jinja2.UndefinedError: The context lacks a value the template needs.
    """
    if "meta" in context:
        raise ValueError("'meta' is reserved for the document metadata")
    return html_to_pdf(_environment().get_template(template).render(context, meta=meta), meta)


def html_to_pdf(html: str, meta: DocumentMeta) -> bytes:
    """Render an HTML document (made from ``base.html``) to PDF/A-2b with the documents' stylesheet.

    Nothing outside is fetched: an image or stylesheet URL in the HTML fails the rendering.
    """
    fetcher = _DocumentResources()
    document = HTML(string=html, base_url=str(TEMPLATE_DIR), url_fetcher=fetcher)
    color_profiles: dict = {}  # filled from the stylesheet's @color-profile rule
    stylesheet = CSS(filename=str(STYLESHEET), url_fetcher=fetcher, color_profiles=color_profiles)
    pdf = document.write_pdf(stylesheets=[stylesheet], color_profiles=color_profiles, pdf_variant=PDF_VARIANT,
                             pdf_tags=True, output_intent=OUTPUT_INTENT)
    return _complete_metadata(pdf, meta)


def _complete_metadata(data: bytes, meta: DocumentMeta) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:identifier"] = meta.aktenzeichen
        # Same instant as xmp:CreateDate, in the ISO 32000-1 form (WeasyPrint omits the closing apostrophe).
        pdf.docinfo.CreationDate = _pdf_date(meta.created_at)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


def _pdf_date(moment: datetime) -> str:
    offset = int(moment.utcoffset().total_seconds()) // 60
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{moment:D:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


class _DocumentResources(URLFetcher):
    """Serves the sRGB profile and refuses every other URL, failing the rendering.

    Generated documents embed nothing from outside, so a template or value that
    makes WeasyPrint fetch something is an error, not a missing image.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        if url == SRGB_PROFILE_URL:
            return URLFetcherResponse(url, body=SRGB_PROFILE.read_bytes())
        raise ValueError(f"external resources are not allowed in generated documents: {url}")


# --- template environment and filters -----------------------------------------

@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


def _local(moment: datetime) -> datetime:
    return moment.astimezone(DISPLAY_TIMEZONE) if moment.tzinfo else moment


def _date_de(value: date) -> str:
    """Format a date as ``01.03.2026`` (datetimes in German local time)."""
    return (_local(value) if isinstance(value, datetime) else value).strftime("%d.%m.%Y")


def _datetime_de(value: datetime) -> str:
    """Format a datetime as ``01.03.2026, 14:05 Uhr`` in German local time."""
    return _local(value).strftime("%d.%m.%Y, %H:%M Uhr")


def _w3c_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _value_de(value: object) -> str:
    """Format an entered value for display: yes/no, dates, lists, decimal comma."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return _datetime_de(value)
    if isinstance(value, date):
        return _date_de(value)
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_value_de(item) for item in value)
    return str(value)


def _paragraphs(text: str) -> list[str]:
    """Split a text into paragraphs at blank lines."""
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


FILTERS = {"date_de": _date_de, "datetime_de": _datetime_de, "w3c_datetime": _w3c_datetime, "value_de": _value_de,
           "paragraphs": _paragraphs}
"""Filters of every document template (the package templates' sandbox adds its own, eakte/document_templates.py)."""
