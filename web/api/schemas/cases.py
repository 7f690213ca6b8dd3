"""Schemas of cases and their history."""

from marshmallow import Schema, fields, validate

from web.api.schemas.common import PageQuerySchema, PageSchema
from web.api.schemas.tasks import TaskSchema


class CaseCreateSchema(Schema):
    """Start a case."""

    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(validate=validate.Length(max=100), allow_none=True)
    subject = fields.String(validate=validate.Length(max=500), allow_none=True)


class CaseSchema(Schema):
    """A case with its data and open tasks."""

    id = fields.String()
    process_key = fields.Function(lambda c: c.definition.key)
    process_version = fields.Function(lambda c: c.definition.version)
    definition_id = fields.String()
    business_key = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    status = fields.String()
    data = fields.Dict()
    started_at = fields.DateTime()
    started_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), dump_only=True)


class HistoryEventSchema(Schema):
    """One audit event of a case."""

    seq = fields.Integer()
    kind = fields.String()
    actor = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    data = fields.Dict()
    hash = fields.String()


class HistoryPageSchema(PageSchema):
    """A page of a case's history."""

    items = fields.List(fields.Nested(HistoryEventSchema))


class HistoryQuerySchema(PageQuerySchema):
    """Paging of the history (default 50 events a page)."""

    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
