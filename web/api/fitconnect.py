"""REST resource: FIT-Connect callbacks (from the Zustelldienst) and the submissions an authority received."""

from flask import request
from flask_smorest import abort
from sqlalchemy import select

from processes.fitconnect.models import FitConnectSubmission
from processes.fitconnect.polling import CallbackRefused, take_callback
from web.api.blueprint import Blueprint
from web.api.schemas.online import CallbackTakenSchema, SubmissionQuerySchema, SubmissionSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context, online_services

blp = Blueprint("fitconnect", __name__, url_prefix="/api/v1/fitconnect", description="FIT-Connect intake")

_CALLBACK_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["type", "submissionIds"],
    "properties": {"type": {"type": "string", "example": "https://schema.fitko.de/fit-connect/submission-api/"
                                                         "callbacks/new-submissions"},
                   "submissionIds": {"type": "array", "items": {"type": "string"}}}}}}},
    "parameters": [
        {"in": "header", "name": "callback-authentication", "required": True, "schema": {"type": "string"},
         "description": "hex HMAC-SHA512 of callback-timestamp + '.' + body with the callback secret"},
        {"in": "header", "name": "callback-timestamp", "required": True, "schema": {"type": "string"},
         "description": "UNIX time in seconds; older than five minutes is refused"}]}


@blp.route("/callbacks/<authority>", methods=["POST"])
@blp.response(202, CallbackTakenSchema)
@blp.alt_response(401, description="missing, stale or wrong signature")
@blp.alt_response(404, description="no callback configured for the authority")
@blp.doc(security=[], **_CALLBACK_DOC)
def callback(authority):
    """Take a callback of the Zustelldienst: the authority's submissions are fetched at once (by the worker)."""
    try:
        submissions = take_callback(
            get_session(), online_services().fitconnect, authority, request.get_data(),
            request.headers.get("callback-authentication"), request.headers.get("callback-timestamp"),
            engine_context().clock(),
        )
    except CallbackRefused as exc:
        abort(exc.status, message=exc.message)
    return {"submissions": submissions}


@blp.route("/submissions", methods=["GET"])
@api_auth("clerk", "supervisor")
@blp.arguments(SubmissionQuerySchema, location="query")
@blp.response(200, SubmissionSchema(many=True))
def submissions(query):
    """List the submissions the authority received through FIT-Connect, newest first, with why any was rejected."""
    statement = select(FitConnectSubmission).where(FitConnectSubmission.authority_id == current_user().authority_id)
    if query["status"]:
        statement = statement.where(FitConnectSubmission.status == query["status"])
    statement = statement.order_by(FitConnectSubmission.received_at.desc()).limit(query["limit"])
    return list(get_session().scalars(statement))
