"""REST resource: intake of building applications (XBau 0200 messages and portal forms)."""

from flask import current_app, request
from flask_smorest import abort

from processes import intake
from web.api.blueprint import Blueprint
from web.api.schemas.intake import PortalApplicationSchema, ReceiptSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import document_store, engine_context

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake", description="Receive applications")

_XML_TYPES = ("application/xml", "text/xml")
_XBAU_MESSAGE = {"type": "string", "format": "binary",
                 "description": "an XBau 2.6 baugenehmigung.antrag.0200 message (at most 20 MB, no DTD or entities; "
                                "validated against the XBau schema)"}
_XBAU_DOC = {"requestBody": {"required": True, "content": {
    **{media_type: {"schema": _XBAU_MESSAGE} for media_type in _XML_TYPES},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["message"],
        "properties": {
            "message": {"type": "string", "format": "binary", "description": "the XBau 0200 message"},
            "attachment": {"type": "array", "items": {"type": "string", "format": "binary"},
                           "description": "one part per anlage; the part's file name is the anlage's dateiname"},
        },
    }},
}}}


@blp.route("/xbau", methods=["POST"])
@api_auth("clerk")
@blp.response(201, ReceiptSchema)
@blp.alt_response(422, description="not well-formed, not a 0200 message, schema errors (each with line and "
                                   "message), missing data, or attachments that are missing or not acceptable")
@blp.doc(**_XBAU_DOC)
def receive_xbau():
    """Receive an XBau building application (0200) with its Bauvorlagen; answer with the receipt."""
    message, attachments = _xbau_request()
    return intake.receive_xbau(
        get_session(), engine_context(), document_store(), current_user(), message, attachments,
        schema_directory=current_app.config.get("XBAU_SCHEMA_DIR"),
    )


@blp.route("/portal", methods=["POST"])
@api_auth("clerk")
@blp.arguments(PortalApplicationSchema)
@blp.response(201, ReceiptSchema)
def receive_portal(body):
    """Receive a building application from an online form (documents as base64); answer with the receipt."""
    documents = [intake.IncomingDocument(a["content"], a["filename"], a["title"]) for a in body.pop("attachments")]
    return intake.receive_portal(get_session(), engine_context(), document_store(), current_user(), body, documents)


def _xbau_request() -> tuple[bytes, dict[str, bytes]]:
    if request.mimetype in _XML_TYPES:
        return request.get_data(), {}
    if request.mimetype != "multipart/form-data":
        abort(415, message="send the message as application/xml, or as multipart/form-data with a 'message' part "
                           "and one 'attachment' part per Anlage")
    messages = request.files.getlist("message")
    if len(messages) != 1:
        abort(400, message="send exactly one multipart part 'message' with the XBau message")
    attachments: dict[str, bytes] = {}
    for part in request.files.getlist("attachment"):
        if not part.filename or part.filename in attachments:
            abort(400, message=f"every attachment part needs a distinct file name (got '{part.filename}')")
        attachments[part.filename] = part.read()
    return messages[0].read(), attachments
