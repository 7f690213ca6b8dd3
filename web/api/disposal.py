"""REST resource: disposal with the archive.

The steps of an Aussonderung, in order: the due list; the offer list (xdomea
0501) and the archive's appraisal (0502); the hand-over package (0503) and the
archive's import confirmation (0506) or a confirmation recorded by hand; the
destruction. Only admins may use it.
"""

from flask import request, send_file
from flask_smorest import abort

from eakte.akten import get_akte
from eakte.aussonderung import due_for_disposal
from engine.db import utcnow
from processes import disposal
from web.api.blueprint import Blueprint
from web.api.schemas.disposal import (
    AppraisalSchema,
    DestructionCreateSchema,
    DestructionSchema,
    DueFileSchema,
    HandoverConfirmationSchema,
    HandoverCreateSchema,
    HandoverSchema,
    ImportConfirmationSchema,
    OfferCreateSchema,
    OfferSchema,
)
from web.auth import api_auth, current_user
from web.database import commit_now, get_session, session_factory
from web.engine_context import document_store

blp = Blueprint("disposal", __name__, url_prefix="/api/v1/disposal",
                description="Disposal of files at the end of their retention, with the archive")

_XML_TYPES = ("application/xml", "text/xml")
_REFUSED = "the message is not well-formed, has a DTD, is too large, not valid xdomea 3.0.0, or names objects we " \
           "did not send (each problem with its line); nothing was changed"


def _xml_doc(description: str) -> dict:
    schema = {"type": "string", "format": "binary",
              "description": f"{description} (xdomea 3.0.0, at most 20 MB, no DTD or entities; validated against "
                             "the xdomea schema)"}
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema} for media_type in _XML_TYPES}}}


@blp.route("/due", methods=["GET"])
@api_auth("admin")
@blp.response(200, DueFileSchema(many=True))
def list_due():
    """List my authority's closed files whose retention period has ended."""
    return due_for_disposal(get_session(), current_user().authority_id, utcnow().date())


@blp.route("/offers", methods=["POST"])
@api_auth("admin")
@blp.arguments(OfferCreateSchema)
@blp.response(201, OfferSchema)
@blp.alt_response(409, description="a named file cannot be offered, or there is nothing to offer")
def create_offer(body):
    """Offer due A and B files to the archive: record the offer and answer with the 0501 message."""
    session, user = get_session(), current_user()
    return _with_schema(lambda: disposal.offer(session, user, archive=body["archive"], sender_key=body["sender_key"],
                                               aktenzeichen=body["aktenzeichen"], today=utcnow().date()))


@blp.route("/appraisals", methods=["POST"])
@api_auth("admin")
@blp.response(200, AppraisalSchema)
@blp.alt_response(422, description=_REFUSED)
@blp.doc(**_xml_doc("an Aussonderung.Bewertungsverzeichnis.0502 message"))
def import_appraisal():
    """Record the archive's appraisal (0502) of an offer: V files become destroyable, A files are to be handed over."""
    user = current_user()
    data = _xml_body()
    return _with_schema(lambda: disposal.import_appraisal(get_session(), user, data))


@blp.route("/import-confirmations", methods=["POST"])
@api_auth("admin")
@blp.response(200, ImportConfirmationSchema)
@blp.alt_response(422, description=_REFUSED)
@blp.doc(**_xml_doc("an Aussonderung.AussonderungImportBestaetigen.0506 message"))
def import_confirmation():
    """Record the archive's import confirmation (0506) of a hand-over; a failed import is recorded, not confirmed."""
    user = current_user()
    data = _xml_body()
    return _with_schema(lambda: disposal.import_confirmation(get_session(), user, data))


@blp.route("/handovers", methods=["POST"])
@api_auth("admin")
@blp.arguments(HandoverCreateSchema)
@blp.response(200, content_type="application/zip",
              description="the Aussonderung.Aussonderung.0503 package; the headers X-Handover-Id and "
                          "X-Package-SHA256 name the recorded hand-over and the package's hash")
@blp.alt_response(409, description="the file is not closed, already disposed of, or its content is damaged")
def create_handover(body):
    """Hand a closed file over to the archive: record the hand-over and answer with the 0503 package (ZIP).

    Exporting the same file again records a new hand-over with a new process id;
    the archive confirms the one it imported.
    """
    session, user = get_session(), current_user()
    akte = get_akte(session, user.authority_id, aktenzeichen=body["aktenzeichen"])
    result, package = _with_schema(lambda: disposal.hand_over(
        session, document_store(), user, akte, archive=body["archive"], sender_key=body["sender_key"],
        receipt=body["receipt"]))
    response = send_file(package, mimetype="application/zip", as_attachment=True,
                         download_name=f"{result.process_id}_Aussonderung.Aussonderung.0503.zip")
    response.headers["X-Handover-Id"] = result.handover_id
    response.headers["X-Package-SHA256"] = result.package_sha256
    return response


@blp.route("/handovers/<handover_id>/confirmation", methods=["POST"])
@api_auth("admin")
@blp.arguments(HandoverConfirmationSchema)
@blp.response(200, HandoverSchema)
@blp.alt_response(409, description="the hand-over is already confirmed")
def confirm_handover(body, handover_id):
    """Record by hand that the archive received a hand-over (when it confirms by letter, not with a 0506)."""
    confirmed, akte = disposal.confirm_by_hand(get_session(), current_user(), handover_id, body["archive_reference"])
    return {"id": confirmed.id, "aktenzeichen": akte.aktenzeichen, "process_id": confirmed.process_id,
            "package_sha256": confirmed.package_sha256, "confirmed_at": confirmed.confirmed_at,
            "archive_reference": confirmed.archive_reference}


@blp.route("/destructions", methods=["POST"])
@api_auth("admin")
@blp.arguments(DestructionCreateSchema)
@blp.response(200, DestructionSchema)
@blp.alt_response(409, description="the file may not be destroyed (yet); the message names the missing step")
def destroy(body):
    """Destroy the content of a file due for disposal; tombstones in its audit trail record what was destroyed.

    Step 1 marks the versions destroyed and commits; step 2 then deletes the
    stored objects. If the process dies or the storage fails between the two,
    the answer (or a repeated request) says so: repeating the request finishes
    step 2 and changes nothing else.
    """
    user = current_user()
    commit_now()  # the destruction's own transactions must not wait for this one (SQLite has one writer)
    result = disposal.destroy(get_session(), session_factory(), document_store(), user, body["aktenzeichen"])
    message = None if result.complete else ("the content is destroyed, but the storage is not available to delete "
                                            "its objects; repeat the request to finish")
    return {"aktenzeichen": body["aktenzeichen"], "versions_destroyed": result.versions_destroyed,
            "objects_deleted": result.objects_deleted, "complete": result.complete, "message": message}


def _xml_body() -> bytes:
    if request.mimetype not in _XML_TYPES:
        abort(415, message="send the xdomea message as application/xml")
    return request.get_data()


def _with_schema(call):
    try:
        return call()
    except FileNotFoundError as exc:  # the xdomea schema is needed to check every message
        abort(503, message=f"xdomea schema not available: {exc}")
