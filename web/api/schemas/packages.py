"""Schemas of package export, import and setup."""

from marshmallow import Schema, fields

from web.api.schemas.definitions import ProcessDefinitionSchema


class RequirementSchema(Schema):
    """One thing a package needs from the authority."""

    kind = fields.String(metadata={"description": "group, role, connector or file_plan"})
    name = fields.String()
    met = fields.Boolean()
    detail = fields.String(attribute="message")


class PackageSetupSchema(Schema):
    """What a package needs from the authority, and whether cases can start."""

    imported = fields.Boolean(metadata={"description": "the authority imported the package (cases wait until ready)"})
    ready = fields.Boolean()
    requirements = fields.List(fields.Nested(RequirementSchema))


class PackageImportSchema(Schema):
    """An imported package: the deployed version and the setup checklist."""

    definition = fields.Nested(ProcessDefinitionSchema)
    created = fields.Boolean()
    ready = fields.Boolean()
    requirements = fields.List(fields.Nested(RequirementSchema))
