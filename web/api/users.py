"""REST resource: the authority's users (administrators) and one's own account (everybody)."""

from flask import url_for

from engine.db import utcnow
from engine.groups import group_ids_by_name, groups_of
from processes.administration import users as admin_users
from web.api.blueprint import Blueprint
from web.api.schemas.users import (
    CredentialsSchema, PasswordChangeSchema, PasswordResetSchema, SignedOutSchema, TokenCreatedSchema, TokenCreateSchema,
    TokenSchema, UserChangeSchema, UserCreatedSchema, UserCreateSchema, UserPageSchema, UserQuerySchema, UserSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="Users of the authority: create, edit, deactivate, credentials, API tokens")
me_blp = Blueprint("account", __name__, url_prefix="/api/v1/me",
                   description="One's own account: password and API tokens")


def with_groups(session, user):
    """Attach the user's groups for UserSchema."""
    user.member_of = groups_of(session, user)
    return user


def credentials_body(issued):
    """Turn issued credentials into the answer (the link points at the UI's page to set a password)."""
    if issued is None:
        return None
    if issued.method == "link":
        return {"method": "link", "link": url_for("ui_account.reset", token=issued.secret, _external=True),
                "temporary_password": None, "expires_at": issued.expires_at}
    return {"method": "temporary", "link": None, "temporary_password": issued.secret, "expires_at": None}


@blp.route("", methods=["GET"])
@api_auth("admin")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserPageSchema)
def list_users(query):
    """List and search the users of my authority (active ones first)."""
    session = get_session()
    users, total = admin_users.list_users(session, current_user(), query.get("q"), query["page"], query["per_page"])
    return {"items": [with_groups(session, u) for u in users], "page": query["page"], "per_page": query["per_page"],
            "total": total}


@blp.route("", methods=["POST"])
@api_auth("admin")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
@blp.alt_response(409, description="the user name exists already in this authority")
def create_user(body):
    """Create a user with roles, groups and first credentials (a one-time link or a temporary password)."""
    session, actor = get_session(), current_user()
    group_ids = group_ids_by_name(session, actor.authority_id, body.get("groups") or [])
    user, issued = admin_users.create_user(
        session, actor, username=body["username"], roles=body["roles"], display_name=body.get("display_name"),
        email=body.get("email"), group_ids=group_ids, credentials=body["credentials"], now=utcnow())
    return {"user": with_groups(session, user), "credentials": credentials_body(issued)}


@blp.route("/<user_id>", methods=["GET"])
@api_auth("admin")
@blp.response(200, UserSchema)
def get_user(user_id):
    """Show a user of my authority."""
    session = get_session()
    return with_groups(session, admin_users.get_user(session, current_user(), user_id))


@blp.route("/<user_id>", methods=["PATCH"])
@api_auth("admin")
@blp.arguments(UserChangeSchema)
@blp.response(200, UserSchema)
def update_user(body, user_id):
    """Change a user's display name, e-mail address, roles or groups (only the fields given)."""
    session, actor = get_session(), current_user()
    user = admin_users.get_user(session, actor, user_id)
    group_ids = group_ids_by_name(session, actor.authority_id, body["groups"]) if "groups" in body else None
    admin_users.update_user(session, actor, user, display_name=body.get("display_name"),
                            email=body["email"] or "" if "email" in body else None, roles=body.get("roles"),
                            group_ids=group_ids)
    return with_groups(session, user)


@blp.route("/<user_id>/deactivate", methods=["POST"])
@api_auth("admin")
@blp.response(200, UserSchema)
@blp.alt_response(409, description="the user is deactivated already, or it is yourself")
def deactivate(user_id):
    """Deactivate a user (never deleted: the name stays in files and histories); their sessions end."""
    session, actor = get_session(), current_user()
    user = admin_users.deactivate_user(session, actor, admin_users.get_user(session, actor, user_id), utcnow())
    return with_groups(session, user)


@blp.route("/<user_id>/reactivate", methods=["POST"])
@api_auth("admin")
@blp.response(200, UserSchema)
@blp.alt_response(409, description="the user is active")
def reactivate(user_id):
    """Let a deactivated user sign in again."""
    session, actor = get_session(), current_user()
    return with_groups(session, admin_users.reactivate_user(session, actor, admin_users.get_user(session, actor,
                                                                                                  user_id)))


@blp.route("/<user_id>/password-reset", methods=["POST"])
@api_auth("admin")
@blp.arguments(PasswordResetSchema)
@blp.response(200, CredentialsSchema)
def reset_password(body, user_id):
    """Give a user a one-time link to set a password, or a temporary password (shown once)."""
    session, actor = get_session(), current_user()
    user = admin_users.get_user(session, actor, user_id)
    return credentials_body(admin_users.reset_password(session, actor, user, body["method"], utcnow()))


@blp.route("/<user_id>/sign-out", methods=["POST"])
@api_auth("admin")
@blp.response(200, SignedOutSchema)
def sign_out(user_id):
    """Sign a user out everywhere: every running UI session of theirs ends."""
    session, actor = get_session(), current_user()
    user = admin_users.get_user(session, actor, user_id)
    return {"sessions_ended": admin_users.sign_out_everywhere(session, actor, user, utcnow())}


@blp.route("/<user_id>/tokens", methods=["GET"])
@api_auth("admin")
@blp.response(200, TokenSchema(many=True))
def list_tokens(user_id):
    """List a user's API tokens."""
    session, actor = get_session(), current_user()
    return admin_users.tokens_of(session, actor, admin_users.get_user(session, actor, user_id))


@blp.route("/<user_id>/tokens", methods=["POST"])
@api_auth("admin")
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenCreatedSchema)
def issue_token(body, user_id):
    """Issue an API token for a user; its value is in this answer only."""
    session, actor = get_session(), current_user()
    row, token = admin_users.issue_token(session, actor, admin_users.get_user(session, actor, user_id), body["label"])
    row.token = token
    return row


@blp.route("/<user_id>/tokens/<token_id>", methods=["DELETE"])
@api_auth("admin")
@blp.response(200, TokenSchema)
def revoke_token(user_id, token_id):
    """Revoke one of a user's API tokens."""
    session, actor = get_session(), current_user()
    return admin_users.revoke_token(session, actor, admin_users.get_user(session, actor, user_id), token_id, utcnow())


@me_blp.route("", methods=["GET"])
@api_auth()
@me_blp.response(200, UserSchema)
def me():
    """Show my own account."""
    return with_groups(get_session(), current_user())


@me_blp.route("/password", methods=["POST"])
@api_auth()
@me_blp.arguments(PasswordChangeSchema)
@me_blp.response(200, SignedOutSchema)
def change_password(body):
    """Change my password (for the web UI); all my UI sessions end."""
    user = current_user()
    ended = admin_users.change_own_password(get_session(), user, body["current_password"], body["new_password"],
                                            utcnow())
    return {"sessions_ended": ended}


@me_blp.route("/tokens", methods=["GET"])
@api_auth()
@me_blp.response(200, TokenSchema(many=True))
def my_tokens():
    """List my API tokens."""
    user = current_user()
    return admin_users.tokens_of(get_session(), user, user)


@me_blp.route("/tokens", methods=["POST"])
@api_auth()
@me_blp.arguments(TokenCreateSchema)
@me_blp.response(201, TokenCreatedSchema)
def issue_my_token(body):
    """Issue an API token for myself; its value is in this answer only."""
    user = current_user()
    row, token = admin_users.issue_token(get_session(), user, user, body["label"])
    row.token = token
    return row


@me_blp.route("/tokens/<token_id>", methods=["DELETE"])
@api_auth()
@me_blp.response(200, TokenSchema)
def revoke_my_token(token_id):
    """Revoke one of my API tokens (also the one this request uses)."""
    user = current_user()
    return admin_users.revoke_token(get_session(), user, user, token_id, utcnow())
