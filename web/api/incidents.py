"""REST resource: incidents (failed background jobs) and their retry."""

from engine import incidents
from web.api.blueprint import Blueprint
from web.api.schemas.background import IncidentPageSchema, IncidentQuerySchema, IncidentSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents", description="Failed background jobs")


@blp.route("", methods=["GET"])
@api_auth("supervisor")
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, IncidentPageSchema)
def list_incidents(query):
    """List the authority's incidents, newest first (open ones by default)."""
    page, per_page = query["page"], query["per_page"]
    rows, total = incidents.list_incidents(
        get_session(), current_user(), open_only=query["status"] == "open", offset=(page - 1) * per_page, limit=per_page
    )
    return {"items": rows, "page": page, "per_page": per_page, "total": total}


@blp.route("/<incident_id>/retry", methods=["POST"])
@api_auth("supervisor")
@blp.response(200, IncidentSchema)
def retry(incident_id):
    """Queue the failed job again with fresh attempts; the incident resolves when it succeeds."""
    return incidents.retry_incident(get_session(), engine_context(), current_user(), incident_id)
