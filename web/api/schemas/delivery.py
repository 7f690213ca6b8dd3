"""Schemas of the digital delivery (Zustellung) of notices."""

from marshmallow import Schema, fields, validate

from eakte.zustellung import DEFAULT_TTL_DAYS, MAX_RECIPIENT_LENGTH, MAX_TTL_DAYS
from web.api.schemas.common import MAX_INTEGER


class DeliveryCreateSchema(Schema):
    """Make a notice available for download."""

    recipient = fields.String(required=True, validate=validate.Length(min=1, max=MAX_RECIPIENT_LENGTH),
                              metadata={"description": "who the notice is for (name, address or account)"})
    ttl_days = fields.Integer(load_default=DEFAULT_TTL_DAYS, validate=validate.Range(min=1, max=MAX_TTL_DAYS),
                              metadata={"description": "days the link works (§ 41(2a) VwVfG: ten)"})
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_INTEGER),
                             metadata={"description": "version to deliver; default: the current one"})


class DeliverySchema(Schema):
    """A delivery: when the notice was made available and when it was first downloaded (§ 41(2a) VwVfG)."""

    id = fields.String()
    document_id = fields.String(attribute="dokument_id")
    version = fields.Integer()
    recipient = fields.String()
    made_available_at = fields.DateTime()
    expires_at = fields.DateTime()
    first_downloaded_at = fields.DateTime(allow_none=True)
    download_count = fields.Integer()
    created_by = fields.String(allow_none=True)


class DeliveryCreatedSchema(DeliverySchema):
    """A new delivery with its link; the token is shown only in this answer."""

    token = fields.String()
    download_url = fields.String()
    sealed = fields.Boolean(metadata={"description": "the delivered version carries the authority's seal"})
