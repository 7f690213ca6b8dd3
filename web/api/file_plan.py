"""REST resource: the authority's file plan (Aktenplan)."""

from flask import request
from flask_smorest import abort
from marshmallow import Schema, fields

from eakte import aktenplan
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS, DISPOSAL_CODES
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
    aktenplan.load_file_plan(session, user.authority_id, plan)
    return aktenplan.describe_plan(session, user.authority_id)


