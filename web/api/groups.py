"""REST resource: the authority's groups, their members and the candidate groups (lanes) they serve."""

from engine import groups as engine_groups
from processes.administration import groups as admin_groups
from processes.administration.access import require_admin
from web.api.blueprint import Blueprint
from web.api.schemas.organisation import GroupChangeSchema, GroupCreateSchema, GroupSchema, ModelGroupSchema
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("groups", __name__, url_prefix="/api/v1/groups",
                description="Groups of the authority and the lanes of the process models they serve")


def with_members(session, group):
    """Attach the group's members for GroupSchema."""
    group.member_list = engine_groups.members_of(session, group)
    return group


def _member_ids(session, authority_id, body):
    return engine_groups.user_ids_by_name(session, authority_id, body["members"]) if "members" in body else None


@blp.route("", methods=["GET"])
@api_auth("admin")
@blp.response(200, GroupSchema(many=True))
def list_groups():
    """List the groups of my authority with their members."""
    session, actor = get_session(), current_user()
    return [with_members(session, g) for g in engine_groups.list_groups(session, actor.authority_id)]


@blp.route("", methods=["POST"])
@api_auth("admin")
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@blp.alt_response(409, description="a group of this name exists already")
def create_group(body):
    """Create a group (it serves the candidate group of its own name unless others are given)."""
    session, actor = get_session(), current_user()
    group = admin_groups.create_group(session, actor, body["name"], body.get("candidate_groups"),
                                      _member_ids(session, actor.authority_id, body))
    return with_members(session, group)


@blp.route("/model-groups", methods=["GET"])
@api_auth("admin")
@blp.response(200, ModelGroupSchema(many=True))
def model_groups():
    """List the candidate groups (lanes) of the deployed models and open tasks; unserved ones reach nobody."""
    actor = current_user()
    require_admin(actor)
    return engine_groups.model_groups(get_session(), actor.authority_id)


@blp.route("/<group_id>", methods=["GET"])
@api_auth("admin")
@blp.response(200, GroupSchema)
def get_group(group_id):
    """Show a group with its members."""
    session = get_session()
    return with_members(session, admin_groups.get_group(session, current_user(), group_id))


@blp.route("/<group_id>", methods=["PATCH"])
@api_auth("admin")
@blp.arguments(GroupChangeSchema)
@blp.response(200, GroupSchema)
def update_group(body, group_id):
    """Rename a group, change the candidate groups it serves or its members (only the fields given)."""
    session, actor = get_session(), current_user()
    group = admin_groups.get_group(session, actor, group_id)
    admin_groups.update_group(session, actor, group, name=body.get("name"),
                              candidate_groups=body.get("candidate_groups"),
                              member_ids=_member_ids(session, actor.authority_id, body))
    return with_members(session, group)
