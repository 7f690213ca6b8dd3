"""REST resource: intake of applications (XBau 0200 messages, portal forms, birth notifications of hospitals)."""

from flask import current_app, request
from flask_smorest import abort

from processes import intake
from processes.fitconnect import datasets
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


_PERSON = {"type": "object", "required": ["family_name", "given_names", "birth_date", "birth_place"],
           "properties": {"family_name": {"type": "string"}, "given_names": {"type": "string"},
                          "birth_date": {"type": "string", "format": "date"}, "birth_place": {"type": "string"}}}
_BIRTH_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "a Geburtsanzeige data set (JSON Schema: " + datasets.GEBURTSANZEIGE.schema_uri + ")",
    "required": ["kind", "mutter", "anzeigende_stelle"],
    "properties": {
        "kind": {"type": "object", "required": ["sex", "birth_date", "birth_place"], "properties": {
            "sex": {"type": "string", "enum": ["weiblich", "männlich", "divers", "ohne Angabe"]},
            "birth_date": {"type": "string", "format": "date"}, "birth_time": {"type": "string", "example": "08:12"},
            "birth_place": {"type": "string"}, "facility": {"type": "string"}}},
        "mutter": _PERSON, "vater": _PERSON, "anzeigende_stelle": {"type": "string"}}}}}}}


@blp.route("/geburtsanzeigen", methods=["POST"])
@api_auth("clerk")
@blp.response(201, ReceiptSchema)
@blp.alt_response(422, description="the data set does not match the Geburtsanzeige schema (every problem listed)")
@blp.doc(**_BIRTH_DOC)
def receive_birth_notification():
    """Receive a birth notification from a hospital system (JSON data set); starts the registry office's case."""
    raw = request.get_data()
    document = datasets.parse_json(raw)
    read = datasets.GEBURTSANZEIGE.read(raw)
    documents = [intake.IncomingDocument(raw, "geburtsanzeige.json", "Geburtsanzeige (wie eingegangen)",
                                         doc_type="Antrag")]
    return intake.receive_application(
        get_session(), engine_context(), document_store(), current_user(),
        data={**read.case_data, "eingang": {"channel": "api", "schema": document.get("$schema")}},
        documents=documents, channel="api", subject=read.subject, process_key=datasets.GEBURTSANZEIGE.process_key,
    )


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
