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


class DeployedProcessSchema(Schema):
    """A process of the uploaded files, deployed as its own definition."""

    id = fields.String()
    key = fields.String()
    version = fields.Integer()


class DeploymentSchema(ProcessDefinitionSchema):
    """The definition of the main process of a deployment, with every process the files deployed."""

    deployed_processes = fields.List(
        fields.Nested(DeployedProcessSchema), dump_only=True,
        metadata={"description": "every executable process of the files (the pools of a collaboration, called "
                                 "processes), the main one first; each can be started by its key"})


class DeployQuerySchema(Schema):
    """Options of a deployment."""

    shared = fields.Boolean(load_default=False)


class DefinitionQuerySchema(Schema):
    """Filters of the definition list."""

    key = fields.String()
