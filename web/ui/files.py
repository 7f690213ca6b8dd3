"""Document download from the case file (the rendition clerks open, or the original on request), or shown in the
browser: PDFs and images open inline."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context

from eakte.models import DokumentVersion
from eakte.models.dokument import RENDITION_NONE
from processes import casefile
from web.database import get_session
from web.engine_context import document_store
from web.ui.common import login_required, register_error_pages, ui_user
from web.security_headers import document_download_headers

bp = Blueprint("ui_files", __name__, url_prefix="/ui/dokumente")
register_error_pages(bp)

# Types browsers show themselves without running anything of the document (no HTML, no SVG, no XML). Shown inline they
# keep the sandboxed policy of every download (Chromium's PDF viewer works under it).
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def served_media_type(version: DokumentVersion, original: bool = False) -> str:
    """Return the media type a download of ``version`` delivers: its rendition's, unless the original is asked for.

    A pending rendition is made when it is asked for, as a PDF (eakte/renditions.py).
    """
    if version.rendition_status != RENDITION_NONE and not original:
        return version.rendition_media_type or "application/pdf"
    return version.media_type


def opens_inline(version: DokumentVersion) -> bool:
    """Tell whether the browser can show ``version`` (as served by default) itself: PDF, PNG or JPEG."""
    return served_media_type(version) in INLINE_TYPES


@bp.get("/<dokument_id>/versionen/<int:version>")
@login_required()
def download(dokument_id: str, version: int):
    """Stream one version: the cleaned rendition if there is one, the original with ``?original=1``; logged.

    With ``?ansehen=1`` a PDF or image is shown in the browser (inline); anything else is always a download.
    """
    original = request.args.get("original") == "1"
    found, stream = casefile.read_document(get_session(), document_store(), ui_user(), dokument_id, version, original)
    rendition = found.rendition_key is not None and not original
    media_type = served_media_type(found, original)
    filename = found.filename if media_type == found.media_type else found.filename.rsplit(".", 1)[0] + ".pdf"
    inline = request.args.get("ansehen") == "1" and media_type in INLINE_TYPES
    # The read event is committed with the request's transaction before the body is streamed.
    headers = {"Content-Disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename, safe='')}",
               "X-Content-SHA256": found.rendition_sha256 if rendition else found.sha256}
    return document_download_headers(Response(stream_with_context(stream), mimetype=media_type, headers=headers))
