"""Schemas of cases and their history."""

from datetime import timezone

from marshmallow import Schema, fields, validate

from engine.models import CASE_STATUSES
from web.api.schemas.common import PageQuerySchema, PageSchema
from web.api.schemas.tasks import TaskSchema


class CaseCreateSchema(Schema):
    """Start a case."""

    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(validate=validate.Length(max=100), allow_none=True)
    subject = fields.String(validate=validate.Length(max=500), allow_none=True)


class CaseSummarySchema(Schema):
    """A case without its data."""

    id = fields.String()
    process_key = fields.Function(lambda c: c.definition.key)
    process_version = fields.Function(lambda c: c.definition.version)
    definition_id = fields.String()
    business_key = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "running, suspended, completed, cancelled, or failed (ended by a "
                                                    "BPMN error nothing caught; see error_code)"})
    error_code = fields.String(allow_none=True, metadata={"description": "code of the error that failed the case"})
    started_at = fields.DateTime()
    started_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    parent_case_id = fields.String(allow_none=True,
                                   metadata={"description": "the case whose call activity started this case"})
    source_case_id = fields.String(allow_none=True,
                                   metadata={"description": "the case whose message or signal started this case"})


class CaseSchema(CaseSummarySchema):
    """A case with its data and open tasks."""

    data = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskSchema), dump_only=True)


class CaseQuerySchema(PageQuerySchema):
    """Filters of the case list."""

    process_key = fields.String(validate=validate.Length(max=200))
    state = fields.String(validate=validate.OneOf(CASE_STATUSES))
    business_key = fields.String(validate=validate.Length(max=100),
                                 metadata={"description": "business key (Aktenzeichen)"})
    started_after = fields.AwareDateTime(default_timezone=timezone.utc,
                                         metadata={"description": "started at or after (ISO 8601; UTC if no zone)"})
    started_before = fields.AwareDateTime(default_timezone=timezone.utc,
                                          metadata={"description": "started before (ISO 8601; UTC if no zone)"})
    parent_case_id = fields.String(validate=validate.Length(max=36))
    source_case_id = fields.String(validate=validate.Length(max=36))


class CasePageSchema(PageSchema):
    """A page of cases, newest first."""

    items = fields.List(fields.Nested(CaseSummarySchema))


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
