"""Document download from the case file (the rendition clerks open, or the original on request)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context

from processes import casefile
from web.database import get_session
from web.engine_context import document_store
from web.ui.common import login_required, register_error_pages, ui_user
from web.security_headers import document_download_headers

bp = Blueprint("ui_files", __name__, url_prefix="/ui/dokumente")
register_error_pages(bp)


@bp.get("/<dokument_id>/versionen/<int:version>")
@login_required()
def download(dokument_id: str, version: int):
    """Stream one version: the cleaned rendition if there is one, the original with ``?original=1``; logged."""
    original = request.args.get("original") == "1"
    found, stream = casefile.read_document(get_session(), document_store(), ui_user(), dokument_id, version, original)
    rendition = found.rendition_key is not None and not original
    media_type = found.rendition_media_type if rendition else found.media_type
    filename = found.filename if media_type == found.media_type else found.filename.rsplit(".", 1)[0] + ".pdf"
    # The read event is committed with the request's transaction before the body is streamed.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
               "X-Content-SHA256": found.rendition_sha256 if rendition else found.sha256}
    return document_download_headers(Response(stream_with_context(stream), mimetype=media_type, headers=headers))
