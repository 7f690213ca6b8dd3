"""Schemas of case files (Akten) and documents."""

from marshmallow import Schema, fields, validate

from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS
from eakte.models.dokument import DIRECTIONS, DOCUMENT_TYPES
from web.api.schemas.common import MAX_INTEGER, MAX_REASON_LENGTH


class VersionSchema(Schema):
    """An immutable version of a document."""

    version = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    has_rendition = fields.Function(lambda v: v.rendition_key is not None)
    rendition_status = fields.String(
        validate=validate.OneOf(("ready", "pending", "none")),
        metadata={"description": "ready: the rendition exists; pending: it is being made in the background (a "
                                 "download of the rendition makes it at once); none: the version has no rendition"})
    rendition_media_type = fields.String(allow_none=True)
    findings = fields.List(fields.String())
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    destroyed_at = fields.DateTime(allow_none=True)


class DocumentSchema(Schema):
    """A document with xdomea-style metadata and its versions."""

    id = fields.String()
    vorgang_id = fields.String()
    subject = fields.String()
    doc_type = fields.String()
    direction = fields.String()
    received_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    author = fields.String(allow_none=True)
    confidentiality = fields.String()
    task_id = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    current_version = fields.Integer()
    versions = fields.List(fields.Nested(VersionSchema))


class VorgangSchema(Schema):
    """A procedure run inside a file."""

    id = fields.String()
    number = fields.Integer()
    title = fields.String()
    case_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class FileSchema(Schema):
    """A case file (Akte)."""

    id = fields.String()
    aktenzeichen = fields.String()
    title = fields.String()
    status = fields.String()
    confidentiality = fields.String()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    retention_years = fields.Integer(allow_none=True)
    disposal_code = fields.String(allow_none=True)
    retention_until = fields.Date(allow_none=True)
    vorgaenge = fields.List(fields.Nested(VorgangSchema))
    documents = fields.List(fields.Nested(DocumentSchema), dump_only=True)


class ReopenSchema(Schema):
    """Reopen a closed file."""

    reason = fields.String(required=True, validate=validate.Length(min=3, max=MAX_REASON_LENGTH))


class UploadFormSchema(Schema):
    """Metadata sent with an uploaded document (multipart form fields)."""

    subject = fields.String(required=True, validate=validate.Length(min=1, max=500))
    doc_type = fields.String(load_default="Sonstiges", validate=validate.OneOf(DOCUMENT_TYPES))
    direction = fields.String(load_default="incoming", validate=validate.OneOf(DIRECTIONS))
    task_id = fields.String(validate=validate.Length(max=36))
    confidentiality = fields.String(validate=validate.OneOf(CONFIDENTIALITY_LEVELS))


class ContentQuerySchema(Schema):
    """Which version and representation to download."""

    version = fields.Integer(validate=validate.Range(min=1, max=MAX_INTEGER))
    original = fields.Boolean(load_default=False, metadata={"description": "the bytes as received, not the rendition"})
