"""REST resource: authorities and their first administrator (the platform operator only)."""

from engine.db import utcnow
from processes.administration import authorities
from web.api.blueprint import Blueprint
from web.api.schemas.organisation import AuthorityCreatedSchema, AuthorityCreateSchema, AuthoritySchema
from web.api.users import credentials_body, with_groups
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("authorities", __name__, url_prefix="/api/v1/authorities",
                description="Authorities (tenants), created by the platform operator")


@blp.route("", methods=["GET"])
@api_auth("operator")
@blp.response(200, AuthoritySchema(many=True))
def list_authorities():
    """List all authorities with their number of active users."""
    rows = authorities.list_authorities(get_session(), current_user())
    for authority, count in rows:
        authority.active_users = count
    return [authority for authority, _ in rows]


@blp.route("", methods=["POST"])
@api_auth("operator")
@blp.arguments(AuthorityCreateSchema)
@blp.response(201, AuthorityCreatedSchema)
@blp.alt_response(409, description="an authority with this short name exists already")
def create_authority(body):
    """Create an authority and its first administrator (with a one-time link or a temporary password)."""
    session, admin = get_session(), body["administrator"]
    authority, user, issued = authorities.create_authority(
        session, current_user(), slug=body["slug"], name=body["name"], admin_username=admin["username"],
        admin_display_name=admin.get("display_name"), admin_email=admin.get("email"),
        credentials=body["credentials"], now=utcnow())
    authority.active_users = 1
    return {"authority": authority, "administrator": with_groups(session, user),
            "credentials": credentials_body(issued)}
