"""REST resource: notifications of the payment platform, and bank transfers the cashier books."""

from flask import request
from flask_smorest import abort

from processes.payment.provider import SIGNATURE_HEADER, TIMESTAMP_HEADER
from processes.payment.settlement import NotificationRefused, book_transfer, take_notification
from web.api.blueprint import Blueprint
from web.api.schemas.online import BookingSchema, NotificationResultSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import document_store, engine_context, online_services

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments", description="Fees and their payment")

_NOTIFICATION_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["zahlungId", "kassenzeichen", "betrag", "status"],
    "properties": {"zahlungId": {"type": "string"}, "kassenzeichen": {"type": "string"},
                   "betrag": {"type": "integer", "description": "cents"}, "waehrung": {"type": "string"},
                   "status": {"type": "string", "enum": ["INITIAL", "BOOKED", "FAILED", "CANCELED"]},
                   "zahlverfahren": {"type": "string"}, "gebuchtAm": {"type": "string", "format": "date-time"}}}}}},
    "parameters": [
        {"in": "header", "name": SIGNATURE_HEADER, "required": True, "schema": {"type": "string"},
         "description": "hex HMAC-SHA256 of the timestamp header + '.' + body with the notification secret"},
        {"in": "header", "name": TIMESTAMP_HEADER, "required": True, "schema": {"type": "string"}}]}


@blp.route("/notifications/<authority>", methods=["POST"])
@blp.response(200, NotificationResultSchema)
@blp.alt_response(401, description="the signature does not match")
@blp.alt_response(404, description="unknown Kassenzeichen, or no payment platform for the authority")
@blp.alt_response(409, description="the notification is about another payment of the Kassenzeichen")
@blp.alt_response(422, description="amount or currency differ from the fee; nothing changed")
@blp.doc(security=[], **_NOTIFICATION_DOC)
def notification(authority):
    """Take the payment platform's notification about a fee (duplicates and late ones change nothing)."""
    try:
        payment, result = take_notification(
            get_session(), engine_context(), document_store(), online_services().payments, authority,
            request.get_data(), request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
        )
    except NotificationRefused as exc:
        abort(exc.status, message=exc.message)
    return {"kassenzeichen": payment.kassenzeichen, "status": payment.status, "result": result}


@blp.route("/bookings", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(BookingSchema)
@blp.response(200, NotificationResultSchema)
@blp.alt_response(404, description="unknown Kassenzeichen")
@blp.alt_response(422, description="the amount differs from the fee; nothing changed")
def booking(body):
    """Book a bank transfer for a Kassenzeichen (the cashier's report): the fee counts as paid if the amount fits."""
    ctx = engine_context()
    payment, result = book_transfer(get_session(), ctx, document_store(), current_user(), body["kassenzeichen"],
                                    body["amount_cents"], body["booked_at"] or ctx.clock())
    return {"kassenzeichen": payment.kassenzeichen, "status": payment.status, "result": result}
