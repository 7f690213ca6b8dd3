"""Schemas of users, their credentials and API tokens."""

from marshmallow import Schema, fields, validate

from engine.models import ROLES
from processes.administration.users import CREDENTIAL_METHODS
from web.api.schemas.common import PageQuerySchema, PageSchema

_NAME = validate.Length(min=1, max=200)
_CREDENTIALS = ("link: a one-time link to set a password (valid 3 days); temporary: a temporary password that must "
                "be changed at the next sign-in; both are shown once")


class UserSchema(Schema):
    """A user of the authority."""

    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    groups = fields.Function(lambda u: [g.name for g in getattr(u, "member_of", [])],
                             metadata={"description": "names of the groups the user belongs to"})
    candidate_groups = fields.Function(lambda u: list(u.groups),
                                       metadata={"description": "candidate groups (lanes) whose tasks the user sees"})
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    created_at = fields.DateTime()


class UserQuerySchema(PageQuerySchema):
    """Search in users."""

    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "text in user name, display name or e-mail address"})


class UserPageSchema(PageSchema):
    """A page of users."""

    items = fields.List(fields.Nested(UserSchema))


class UserChangeSchema(Schema):
    """Changes to a user (only the fields given)."""

    display_name = fields.String(validate=_NAME)
    email = fields.String(allow_none=True, validate=validate.Length(max=254),
                          metadata={"description": "null or empty: none"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    groups = fields.List(fields.String(validate=_NAME), metadata={"description": "names of the user's groups"})


class UserCreateSchema(UserChangeSchema):
    """A new user."""

    username = fields.String(required=True, validate=validate.Length(min=2, max=100))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    credentials = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CREDENTIAL_METHODS),
                                metadata={"description": _CREDENTIALS + "; null: sign-in only by single sign-on"})


class CredentialsSchema(Schema):
    """Credentials handed to the user once."""

    method = fields.String(metadata={"description": "link or temporary"})
    link = fields.String(allow_none=True, metadata={"description": "the one-time link to set a password"})
    temporary_password = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


class UserCreatedSchema(Schema):
    """A created user and their first credentials."""

    user = fields.Nested(UserSchema)
    credentials = fields.Nested(CredentialsSchema, allow_none=True)


class PasswordResetSchema(Schema):
    """How to give the user new credentials."""

    method = fields.String(required=True, validate=validate.OneOf(CREDENTIAL_METHODS),
                           metadata={"description": _CREDENTIALS})


class PasswordChangeSchema(Schema):
    """Change one's own password."""

    current_password = fields.String(required=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=10, max=200))


class SignedOutSchema(Schema):
    """How many UI sessions were ended."""

    sessions_ended = fields.Integer()


class TokenSchema(Schema):
    """An API token (its value is shown only when it is issued)."""

    id = fields.String()
    label = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class TokenCreateSchema(Schema):
    """A new API token."""

    label = fields.String(load_default="", validate=validate.Length(max=100),
                          metadata={"description": "what the token is for, e.g. the name of a script"})


class TokenCreatedSchema(TokenSchema):
    """A new API token with its value, shown once."""

    token = fields.String()
