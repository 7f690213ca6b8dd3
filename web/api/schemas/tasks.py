"""Schemas of human tasks."""

from marshmallow import Schema, fields, validate

from engine.inbox import COUNT_CAP, SORT_COLUMNS
from web.api.schemas.common import PageQuerySchema, PageSchema

_SORTS = [*SORT_COLUMNS, *(f"-{name}" for name in SORT_COLUMNS)]


class TaskSchema(Schema):
    """A human task."""

    id = fields.String()
    case_id = fields.String()
    process_key = fields.String()
    bpmn_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    candidate_group = fields.String(allow_none=True)
    assignee = fields.Function(lambda t: t.assignee.username if t.assignee else None)
    status = fields.String()
    priority = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    follow_up_at = fields.DateTime(allow_none=True)
    business_key = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    applicant = fields.String(allow_none=True, metadata={"description": "the applicant's name, as the inbox search finds it"})
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class TaskDetailSchema(TaskSchema):
    """A human task with its form schema."""

    form_schema = fields.Dict(allow_none=True, dump_only=True)


class TaskQuerySchema(PageQuerySchema):
    """Inbox filters."""

    scope = fields.String(
        load_default="all_mine",
        validate=validate.OneOf(["mine", "groups", "all_mine", "authority"]),
        metadata={"description": "mine: assigned to me; groups: unassigned in my groups; all_mine: both; "
                                 "authority: all tasks of my authority (supervisors)"},
    )
    procedure = fields.String(metadata={"description": "process key"})
    overdue = fields.Boolean(load_default=False)
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "completed", "cancelled"]))
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "text in file number, subject or applicant's name"})
    sort = fields.String(load_default="due_at", validate=validate.OneOf(_SORTS))


class TaskPageSchema(PageSchema):
    """A page of tasks."""

    items = fields.List(fields.Nested(TaskSchema))
    total_capped = fields.Boolean(
        required=True,
        metadata={"description": f"true if more than {COUNT_CAP:,} tasks match; total is then {COUNT_CAP:,}"},
    )


_ON_BEHALF = {"description": "user name of the absent colleague you stand in for (Vertretung): the task assigned to "
                             "them is taken over or completed in their name, and the history says so"}


class TaskClaimSchema(Schema):
    """Claim a task for oneself, or hand it to a colleague."""

    assignee = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": (
        "user name of the colleague to hand the task to: supervisors may name any clerk or supervisor, clerks a "
        "colleague of the task's group; administrators, modellers and deactivated users cannot receive tasks")})
    add_to_group = fields.Boolean(load_default=False, metadata={"description": (
        "supervisors: add the colleague to the task's candidate group first (required when they are not a member; "
        "recorded in the case's history)")})
    on_behalf_of = fields.String(validate=validate.Length(min=1, max=100), metadata=_ON_BEHALF)


class TaskCompleteSchema(Schema):
    """Complete a task with the form's data."""

    data = fields.Dict(keys=fields.String(), load_default=dict)
    on_behalf_of = fields.String(validate=validate.Length(min=1, max=100), metadata=_ON_BEHALF)
