"""REST resource: case files (Akten) and their documents."""

from urllib.parse import quote

from flask import Response, request, stream_with_context
from flask_smorest import abort

from eakte import akten, dokumente
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS
from eakte.models.dokument import DIRECTIONS, DOCUMENT_TYPES
from processes import casefile
from web.api.blueprint import Blueprint
from web.api.schemas.files import (
    ContentQuerySchema, DocumentSchema, FileSchema, ReopenSchema, UploadFormSchema, VersionSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.security_headers import document_download_headers

blp = Blueprint("files", __name__, url_prefix="/api/v1", description="Case files (E-Akte) and documents")

_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "subject"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the document (PDF, image, office file, ...)"},
        "subject": {"type": "string", "minLength": 1, "maxLength": 500},
        "doc_type": {"type": "string", "enum": list(DOCUMENT_TYPES), "default": "Sonstiges"},
        "direction": {"type": "string", "enum": list(DIRECTIONS), "default": "incoming"},
        "task_id": {"type": "string", "maxLength": 36, "description": "the task the document belongs to"},
        "confidentiality": {"type": "string", "enum": list(CONFIDENTIALITY_LEVELS)},
    },
}}}}}


def _with_documents(akte):
    akte.documents = dokumente.documents_of_akte(get_session(), akte)
    return akte


@blp.route("/cases/<case_id>/file", methods=["GET"])
@api_auth()
@blp.response(200, FileSchema)
def file_of_case(case_id):
    """Show the file a case is recorded in, with all documents."""
    return _with_documents(casefile.file_of_case(get_session(), current_user(), case_id))


@blp.route("/files/<file_id>", methods=["GET"])
@api_auth()
@blp.response(200, FileSchema)
def get_file(file_id):
    """Show a file with all documents."""
    return _with_documents(akten.get_akte(get_session(), current_user().authority_id, akte_id=file_id))


@blp.route("/files/<file_id>/close", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.response(200, FileSchema)
def close_file(file_id):
    """Close the file (zdA): it becomes read-only and its retention period starts."""
    return _with_documents(casefile.close_file(get_session(), current_user(), file_id, engine_context().clock()))


@blp.route("/files/<file_id>/reopen", methods=["POST"])
@api_auth("supervisor")
@blp.arguments(ReopenSchema)
@blp.response(200, FileSchema)
def reopen_file(body, file_id):
    """Reopen a closed file (supervisors, with a reason; logged)."""
    return _with_documents(casefile.reopen_file(get_session(), current_user(), file_id, body["reason"]))


@blp.route("/cases/<case_id>/documents", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(UploadFormSchema, location="form", content_type="multipart/form-data")
@blp.response(201, VersionSchema)
@blp.doc(**_UPLOAD_DOC)
def upload_document(form, case_id):
    """Upload a document into the case's file (multipart: file + metadata)."""
    upload = _single_upload()
    return casefile.upload_document(
        get_session(), document_store(), current_user(), case_id, data=upload.read(), filename=upload.filename,
        subject=form["subject"], doc_type=form["doc_type"], direction=form["direction"],
        task_id=form.get("task_id"), confidentiality=form.get("confidentiality"), now=engine_context().clock(),
    )


@blp.route("/documents/<document_id>", methods=["GET"])
@api_auth()
@blp.response(200, DocumentSchema)
def get_document(document_id):
    """Show a document's metadata and versions."""
    return dokumente.get_version(get_session(), current_user().authority_id, document_id).dokument


@blp.route("/documents/<document_id>/versions", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.response(201, VersionSchema)
@blp.doc(**{"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
def upload_version(document_id):
    """Upload a new version of a document (the old versions stay unchanged)."""
    upload = _single_upload()
    return casefile.upload_version(get_session(), document_store(), current_user(), document_id,
                                   data=upload.read(), filename=upload.filename, now=engine_context().clock())


@blp.route("/documents/<document_id>/content", methods=["GET"])
@api_auth()
@blp.arguments(ContentQuerySchema, location="query")
@blp.response(200, description="the document's bytes (streamed)")
def download(query, document_id):
    """Download a version (default: current; the cleaned rendition unless original=true). Every read is logged."""
    version, stream = casefile.read_document(
        get_session(), document_store(), current_user(), document_id, query.get("version"), query["original"]
    )
    rendition = version.rendition_key is not None and not query["original"]
    media_type = (version.rendition_media_type or version.media_type) if rendition else version.media_type
    filename = version.filename if media_type == version.media_type else version.filename.rsplit(".", 1)[0] + ".pdf"
    # The read is logged in this request's transaction, committed before the body is streamed.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
               "X-Content-SHA256": version.rendition_sha256 if rendition else version.sha256}
    return document_download_headers(Response(stream_with_context(stream), mimetype=media_type, headers=headers))


def _single_upload():
    files = request.files.getlist("file")
    if len(files) != 1:
        abort(400, message="send exactly one file in the multipart field 'file'")
    return files[0]
