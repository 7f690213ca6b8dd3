"""Schemas of groups, absences (substitutes), authorities and the administration log."""

from marshmallow import Schema, fields, validate

from processes.administration.users import CREDENTIAL_METHODS
from web.api.schemas.common import PageQuerySchema, PageSchema
from web.api.schemas.tasks import TaskSchema
from web.api.schemas.users import CredentialsSchema, UserSchema

_NAME = validate.Length(min=1, max=200)


class PersonSchema(Schema):
    """A user in short."""

    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    active = fields.Boolean()


class GroupSchema(Schema):
    """A group of the authority."""

    id = fields.String()
    name = fields.String()
    candidate_groups = fields.List(fields.String(), metadata={
        "description": "lanes and candidate groups of the process models whose tasks the members see"})
    members = fields.Function(lambda g: PersonSchema(many=True).dump(getattr(g, "member_list", [])))
    created_at = fields.DateTime()


class GroupChangeSchema(Schema):
    """Changes to a group (only the fields given)."""

    name = fields.String(validate=_NAME)
    candidate_groups = fields.List(fields.String(validate=_NAME))
    members = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          metadata={"description": "user names of all members"})


class GroupCreateSchema(GroupChangeSchema):
    """A new group."""

    name = fields.String(required=True, validate=_NAME)
    candidate_groups = fields.List(fields.String(validate=_NAME), metadata={
        "description": "default: the candidate group of the group's own name"})


class ModelGroupSchema(Schema):
    """A candidate group (lane) of the deployed models or of open tasks, and the groups serving it."""

    name = fields.String()
    processes = fields.Function(lambda m: sorted(m.processes))
    open_tasks = fields.Integer()
    served_by = fields.List(fields.String(), metadata={"description": "names of the groups serving it"})
    unserved = fields.Function(lambda m: not m.served_by,
                               metadata={"description": "no group serves it: its tasks reach only supervisors"})


class AbsenceSchema(Schema):
    """An absence, with the substitute standing in (none: the supervisors see the tasks)."""

    id = fields.String()
    user = fields.Nested(PersonSchema)
    substitute = fields.Nested(PersonSchema, allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime(allow_none=True, metadata={"description": "null: open end"})
    groups = fields.List(fields.String(), allow_none=True,
                         metadata={"description": "only tasks of these candidate groups; null: all tasks"})
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AbsenceQuerySchema(Schema):
    """Which absences to list."""

    include_past = fields.Boolean(load_default=False)


class AbsenceCreateSchema(Schema):
    """A new absence."""

    user = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "user name of the absent user; default: me"})
    substitute = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "user name of the substitute; null: none"})
    starts_on = fields.Date(required=True, metadata={"description": "first day of the absence"})
    ends_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "last day; null: open end"})
    groups = fields.List(fields.String(validate=_NAME), load_default=None, allow_none=True,
                         validate=validate.Length(min=1),
                         metadata={"description": "substitute only for tasks of these candidate groups; null: all"})


class SubstitutionTaskSchema(TaskSchema):
    """A task the caller may work in Vertretung."""

    on_behalf_of = fields.String(metadata={"description": "user name of the absent colleague"})


class AuthoritySchema(Schema):
    """An authority (tenant)."""

    id = fields.String()
    slug = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    active_users = fields.Integer()


class FirstAdministratorSchema(Schema):
    """The first administrator of a new authority."""

    username = fields.String(required=True, validate=validate.Length(min=2, max=100))
    display_name = fields.String(validate=_NAME)
    email = fields.String(allow_none=True, validate=validate.Length(max=254))


class AuthorityCreateSchema(Schema):
    """A new authority with its first administrator."""

    slug = fields.String(required=True, validate=validate.Length(min=2, max=63),
                         metadata={"description": "short name: lowercase letters, digits, '-'"})
    name = fields.String(required=True, validate=_NAME)
    administrator = fields.Nested(FirstAdministratorSchema, required=True)
    credentials = fields.String(load_default="link", validate=validate.OneOf(CREDENTIAL_METHODS))


class AuthorityCreatedSchema(Schema):
    """A created authority, its first administrator and their credentials (shown once)."""

    authority = fields.Nested(AuthoritySchema)
    administrator = fields.Nested(UserSchema)
    credentials = fields.Nested(CredentialsSchema)


class AdminEventSchema(Schema):
    """An entry of the administration log."""

    seq = fields.Integer()
    kind = fields.String()
    actor = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    target = fields.Function(lambda e: e.data.get("target"))
    before = fields.Function(lambda e: e.data.get("before"))
    after = fields.Function(lambda e: e.data.get("after"))


class AdminLogPageSchema(PageSchema):
    """A page of the administration log, newest first."""

    items = fields.List(fields.Nested(AdminEventSchema))


AdminLogQuerySchema = PageQuerySchema
