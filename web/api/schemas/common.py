"""Schemas shared by several resources."""

from marshmallow import Schema, fields, validate


class PageQuerySchema(Schema):
    """Paging parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class PageSchema(Schema):
    """Envelope of a paged list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
