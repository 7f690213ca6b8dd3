"""REST resource: the authority's file plan (Aktenplan)."""

from flask import request
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from eakte import aktenplan
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS, DISPOSAL_CODES
from processes.administration import file_plan as plan_changes
from web.api.blueprint import Blueprint, json_problem
from web.auth import api_auth, current_user
from web.database import get_session

blp = Blueprint("file_plan", __name__, url_prefix="/api/v1/file-plan", description="The authority's file plan")


class FilePlanUnitSchema(Schema):
    """A unit of the file plan."""

    code = fields.String()
    title = fields.String()
    retention_years = fields.Integer(allow_none=True, metadata={"description": "null: kept permanently"})
    disposal_code = fields.String(metadata={"description": "A (archive), B (appraise) or V (destroy)"})
    confidentiality = fields.String()


class FilePlanSchema(Schema):
    """The file plan: units and which process is filed under which unit ('*' for all others)."""

    units = fields.List(fields.Nested(FilePlanUnitSchema))
    processes = fields.Dict(keys=fields.String(), values=fields.String())


_PLAN_UNIT = {
    "type": "object", "required": ["code", "title", "retention_years", "disposal"],
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 40, "example": "63.01"},
        "title": {"type": "string", "minLength": 1, "maxLength": 300, "example": "Baugenehmigungen"},
        "retention_years": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 500},
                                      {"type": "string", "enum": ["permanent"]}]},
        "disposal": {"type": "string", "enum": list(DISPOSAL_CODES)},
        "confidentiality": {"type": "string", "enum": list(CONFIDENTIALITY_LEVELS), "default": "intern"},
    },
}
_PLAN_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {
        "type": "object", "required": ["units"],
        "properties": {
            "units": {"type": "array", "items": _PLAN_UNIT},
            "processes": {"type": "object", "additionalProperties": {"type": "string"},
                          "description": "process key (or '*' for all others) -> code of one of the units"},
        },
    }},
    "application/yaml": {"schema": {"type": "string", "description": "the same structure as YAML"}},
}, "description": "units: [{code, title, retention_years (or 'permanent'), disposal (A/B/V), confidentiality}], "
                  "processes: {process_key or '*': unit code}"}}


@blp.route("", methods=["GET"])
@api_auth()
@blp.response(200, FilePlanSchema)
def get_plan():
    """Show my authority's file plan and process mappings."""
    return aktenplan.describe_plan(get_session(), current_user().authority_id)


@blp.route("", methods=["PUT"])
@api_auth("admin")
@blp.response(200, FilePlanSchema)
@blp.doc(**_PLAN_DOC)
def put_plan():
    """Load or update units and mappings (units are never deleted: files may refer to them)."""
    body = request.get_data(as_text=True)
    if not body.strip():
        abort(400, message="send the file plan as JSON or YAML in the request body")
    name = "plan.json" if request.mimetype == "application/json" else "plan.yaml"
    plan = aktenplan.parse_file_plan(body, name)
    problem = json_problem(plan)
    if problem:
        abort(400, message=f"the file plan {problem}")
    session, user = get_session(), current_user()
    plan_changes.load_plan(session, user, plan)
    return aktenplan.describe_plan(session, user.authority_id)


class FilePlanUnitChangeSchema(Schema):
    """Changes to a unit (only the fields given); its code stays, it is part of its files' numbers."""

    title = fields.String(validate=validate.Length(min=1, max=300))
    retention_years = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=500),
                                     metadata={"description": "null: kept permanently"})
    disposal_code = fields.String(validate=validate.OneOf(DISPOSAL_CODES),
                                  metadata={"description": "A (archive), B (appraise) or V (destroy)"})
    confidentiality = fields.String(validate=validate.OneOf(CONFIDENTIALITY_LEVELS))


class FilePlanUnitCreateSchema(FilePlanUnitChangeSchema):
    """A new unit."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    retention_years = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1, max=500),
                                     metadata={"description": "null: kept permanently"})
    disposal_code = fields.String(required=True, validate=validate.OneOf(DISPOSAL_CODES),
                                  metadata={"description": "A (archive), B (appraise) or V (destroy)"})
    confidentiality = fields.String(load_default="intern", validate=validate.OneOf(CONFIDENTIALITY_LEVELS))


class ProcessMappingSchema(Schema):
    """The unit new cases of a process are filed under."""

    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


def _entry(values: dict) -> dict:
    entry = {"code": values["code"], "title": values["title"], "disposal": values["disposal_code"],
             "confidentiality": values["confidentiality"]}
    entry["retention_years"] = "permanent" if values["retention_years"] is None else values["retention_years"]
    return entry


@blp.route("/units", methods=["POST"])
@api_auth("admin")
@blp.arguments(FilePlanUnitCreateSchema)
@blp.response(201, FilePlanUnitSchema)
def create_unit(body):
    """Add a unit to my authority's file plan."""
    return plan_changes.save_unit(get_session(), current_user(), _entry(body), new=True)


@blp.route("/units/<code>", methods=["PATCH"])
@api_auth("admin")
@blp.arguments(FilePlanUnitChangeSchema)
@blp.response(200, FilePlanUnitSchema)
def change_unit(body, code):
    """Change a unit's title, retention, disposal code or confidentiality (files closed from now on follow it)."""
    session, user = get_session(), current_user()
    unit = aktenplan.get_unit(session, user.authority_id, code)
    current = {"code": unit.code, "title": unit.title, "retention_years": unit.retention_years,
               "disposal_code": unit.disposal_code, "confidentiality": unit.confidentiality}
    return plan_changes.save_unit(session, user, _entry({**current, **body}), new=False)


@blp.route("/processes/<process_key>", methods=["PUT"])
@api_auth("admin")
@blp.arguments(ProcessMappingSchema)
@blp.response(200, FilePlanSchema)
def map_process(body, process_key):
    """File new cases of a process ('*': every process without its own mapping) under a unit."""
    session, user = get_session(), current_user()
    plan_changes.map_process(session, user, process_key, body["unit_code"])
    return aktenplan.describe_plan(session, user.authority_id)


