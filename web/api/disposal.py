"""REST resource: disposal with the archive (xdomea 0501 offer list, 0502 appraisal, 0506 confirmation).

Only admins may use it. The hand-over package (0503) and the destruction stay
on the command line (``aktenfluss eakte export-xdomea|destroy``): both write or
delete stored objects outside the request's transaction.
"""

from flask import request
from flask_smorest import abort

from eakte import anbietung
from eakte.aussonderung import due_for_disposal
from eakte.xdomea.message import authority_contact
from engine.db import utcnow
from engine.models import Authority
from web.api.blueprint import Blueprint
from web.api.schemas.disposal import (
    AppraisalSchema,
    DueFileSchema,
    ImportConfirmationSchema,
    OfferCreateSchema,
    OfferSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("disposal", __name__, url_prefix="/api/v1/disposal",
                description="Disposal of files at the end of their retention, with the archive")

_XML_TYPES = ("application/xml", "text/xml")
_REFUSED = "the message is not well-formed, has a DTD, is too large, not valid xdomea 3.0.0, or names objects we " \
           "did not send (each problem with its line); nothing was changed"


def _xml_doc(description: str) -> dict:
    return {"requestBody": {"required": True, "content": {
        "application/xml": {"schema": {"type": "string", "description": description}}}}}


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
    owner = session.get(Authority, user.authority_id)
    sender = authority_contact(owner.name, owner.slug, body["sender_key"])
    return _with_schema(lambda: anbietung.offer_to_archive(
        session, owner.id, sender=sender, recipient={"name": body["archive"].strip()}, actor=user.username,
        today=utcnow().date(), aktenzeichen=body["aktenzeichen"]))


@blp.route("/appraisals", methods=["POST"])
@api_auth("admin")
@blp.response(200, AppraisalSchema)
@blp.alt_response(422, description=_REFUSED)
@blp.doc(**_xml_doc("an Aussonderung.Bewertungsverzeichnis.0502 message"))
def import_appraisal():
    """Record the archive's appraisal (0502) of an offer: V files become destroyable, A files are to be handed over."""
    user = current_user()
    data = _xml_body()
    return _with_schema(lambda: anbietung.import_appraisal(get_session(), user.authority_id, data,
                                                           actor=user.username))


@blp.route("/import-confirmations", methods=["POST"])
@api_auth("admin")
@blp.response(200, ImportConfirmationSchema)
@blp.alt_response(422, description=_REFUSED)
@blp.doc(**_xml_doc("an Aussonderung.AussonderungImportBestaetigen.0506 message"))
def import_confirmation():
    """Record the archive's import confirmation (0506) of a hand-over; a failed import is recorded, not confirmed."""
    user = current_user()
    data = _xml_body()
    return _with_schema(lambda: anbietung.import_archive_confirmation(get_session(), user.authority_id, data,
                                                                      actor=user.username))


def _xml_body() -> bytes:
    if request.mimetype not in _XML_TYPES:
        abort(415, message="send the xdomea message as application/xml")
    return request.get_data()


def _with_schema(call):
    try:
        return call()
    except FileNotFoundError as exc:  # the xdomea schema is needed to check every message
        abort(503, message=f"xdomea schema not available: {exc}")
