"""Schemas of messages, incidents and case operations."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eakte.models.dokument import DOCUMENT_TYPES
from web.api.schemas.common import MAX_REASON_LENGTH, PageQuerySchema, PageSchema
from web.api.schemas.intake import AttachmentSchema


class CorrelationSchema(Schema):
    """Which case a message is for: its business key, or a process variable and its value."""

    business_key = fields.String(validate=validate.Length(min=1, max=100))
    variable = fields.String(validate=validate.Length(min=1, max=200))
    value = fields.Raw()

    @validates_schema
    def _one_way(self, data, **_kwargs):
        if "business_key" in data and "variable" in data:
            raise ValidationError("give either 'business_key' or 'variable' and 'value', not both")
        if "business_key" not in data and "variable" not in data:
            raise ValidationError("give 'business_key', or 'variable' and 'value'")
        if "variable" in data and not isinstance(data.get("value"), (str, int)) or isinstance(data.get("value"), bool):
            raise ValidationError("'value' must be a string or an integer", "value")


class MessageDocumentSchema(AttachmentSchema):
    """A document sent with a message; it is filed as incoming into the case's file."""

    doc_type = fields.String(load_default="Sonstiges", validate=validate.OneOf(DOCUMENT_TYPES),
                             metadata={"description": "xdomea document type"})


class MessageSendSchema(Schema):
    """A message for a case, optionally with documents (their references arrive in the data as ``dokumente``)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    correlation = fields.Nested(CorrelationSchema, load_default=dict)
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "process variables: names start with a letter and hold only letters, digits and '_' "
                       "(at most 100 characters); values are JSON"})
    documents = fields.List(fields.Nested(MessageDocumentSchema), load_default=list, validate=validate.Length(max=100))


class MessageResultSchema(Schema):
    """What happened to a message: delivered, kept (until expires_at) or started (a new case)."""

    outcome = fields.String()
    case_id = fields.String()
    message_id = fields.String()
    expires_at = fields.DateTime(allow_none=True)


class IncidentSchema(Schema):
    """A job that failed after all its retries."""

    id = fields.String()
    case_id = fields.String(allow_none=True)
    job_id = fields.String()
    task_bpmn_id = fields.String(allow_none=True)
    error = fields.String()
    attempts = fields.Integer()
    created_at = fields.DateTime()
    retried_at = fields.DateTime(allow_none=True)
    retried_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class IncidentPageSchema(PageSchema):
    """A page of incidents."""

    items = fields.List(fields.Nested(IncidentSchema))


class IncidentQuerySchema(PageQuerySchema):
    """Filter: open incidents only (default) or all."""

    status = fields.String(load_default="open", validate=validate.OneOf(("open", "all")))


class CaseOperationSchema(Schema):
    """Why a case is suspended, resumed or cancelled (recorded in the audit log)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON_LENGTH))
