"""Schemas of process definitions."""

from marshmallow import Schema, fields


class UserTaskInfoSchema(Schema):
    """A user task of a model."""

    bpmn_id = fields.String()
    name = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)


class ProcessDefinitionSchema(Schema):
    """A deployed version of a process model."""

    id = fields.String()
    key = fields.String()
    version = fields.Integer()
    name = fields.String(allow_none=True)
    content_hash = fields.String()
    shared = fields.Function(lambda d: d.authority_id is None, dump_only=True)
    deployed_at = fields.DateTime()
    deployed_by = fields.String(allow_none=True)
    files = fields.Function(lambda d: [f.filename for f in d.files], dump_only=True)
    user_tasks = fields.List(fields.Nested(UserTaskInfoSchema))


class DeployQuerySchema(Schema):
    """Options of a deployment."""

    shared = fields.Boolean(load_default=False)


class DefinitionQuerySchema(Schema):
    """Filters of the definition list."""

    key = fields.String()
