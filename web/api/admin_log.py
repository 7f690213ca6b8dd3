"""REST resource: the administration log (Verwaltungsprotokoll) of the authority."""

from processes.administration.access import require_admin
from processes.administration.audit_log import admin_log
from web.api.blueprint import Blueprint
from web.api.schemas.organisation import AdminLogPageSchema, AdminLogQuerySchema
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("admin_log", __name__, url_prefix="/api/v1/admin-log",
                description="Every administrative change: who, what, before and after")


@blp.route("", methods=["GET"])
@api_auth("admin")
@blp.arguments(AdminLogQuerySchema, location="query")
@blp.response(200, AdminLogPageSchema)
def list_events(query):
    """List the administrative changes of my authority, newest first."""
    actor = current_user()
    require_admin(actor)
    page, per_page = query["page"], query["per_page"]
    events, total = admin_log(get_session(), actor.authority_id, (page - 1) * per_page, per_page)
    return {"items": events, "page": page, "per_page": per_page, "total": total}
