"""Schemas shared by several resources."""

from marshmallow import Schema, fields, validate

MAX_PAGE = 1_000_000
"""Highest page number accepted: keeps the row offset far inside the databases' integer range."""
MAX_INTEGER = 2**31 - 1
"""Highest value of an INTEGER column (PostgreSQL); numbers compared with such columns stay below it."""
MAX_REASON_LENGTH = 1000
"""Longest reason for reopening a file or suspending, resuming or cancelling a case (API and UI)."""


class PageQuerySchema(Schema):
    """Paging parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class PageSchema(Schema):
    """Envelope of a paged list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
