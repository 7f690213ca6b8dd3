"""REST resource: process definitions (deploy and list models)."""

from flask import request
from flask_smorest import abort

from engine import definitions
from processes import casework
from processes.packages.archive import files_of_upload
from web.api.blueprint import Blueprint
from web.api.schemas.definitions import (
    DefinitionQuerySchema, DeploymentSchema, DeployQuerySchema, ProcessDefinitionSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("process_definitions", __name__, url_prefix="/api/v1/process-definitions",
                description="Deploy BPMN/DMN models and list their versions")

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}
            },
            "application/xml": {"schema": {"type": "string"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@blp.route("", methods=["POST"])
@api_auth("modeller")
@blp.arguments(DeployQuerySchema, location="query")
@blp.response(201, DeploymentSchema, description="a new version was deployed")
@blp.alt_response(200, schema=DeploymentSchema, description="identical content: the existing version")
@blp.doc(**_UPLOAD_DOC)
def deploy(options):
    """Deploy a procedure package: its files (BPMN, DMN, forms, templates, manifest.json) as repeated multipart
    fields 'file', or one ZIP archive of the package; or one BPMN file or ZIP archive as the body.

    A package is checked as a whole and refused with every problem (422): file, line or JSON pointer, element.
    Every executable process of the BPMN files becomes a definition of its own (the pools of a collaboration,
    called processes); the answer shows the main one (the first process with a none start event) and lists all.
    """
    files = _uploaded_files()
    deployment = casework.deploy(get_session(), engine_context(), files, current_user(), shared=options["shared"])
    deployment.definition.deployed_processes = deployment.definitions
    return deployment.definition, 201 if deployment.created else 200


@blp.route("", methods=["GET"])
@api_auth()
@blp.arguments(DefinitionQuerySchema, location="query")
@blp.response(200, ProcessDefinitionSchema(many=True))
def list_definitions(query):
    """List the definition versions visible to my authority, newest first."""
    return definitions.list_definitions(get_session(), current_user().authority_id, key=query.get("key"))


@blp.route("/<definition_id>", methods=["GET"])
@api_auth()
@blp.response(200, ProcessDefinitionSchema)
def get_definition(definition_id):
    """Show one definition version."""
    return casework.get_definition(get_session(), current_user(), definition_id)


def _uploaded_files() -> dict[str, bytes]:
    if request.files:
        uploads = []
        for upload in request.files.getlist("file"):
            name = (upload.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
            if not name:
                abort(400, message="every uploaded file needs a file name")
            if name in (n for n, _ in uploads):
                abort(400, message=f"file '{name}' was uploaded twice")
            uploads.append((name, upload.read()))
        if not uploads:
            abort(400, message="send the package's files (or one ZIP archive) in the multipart field 'file'")
        return files_of_upload(uploads)
    body = request.get_data()
    if not body:
        abort(400, message="no model sent: upload files in the multipart field 'file', or send one BPMN file or "
                           "one ZIP archive as the body")
    name = request.args.get("filename") or ("paket.zip" if request.mimetype == "application/zip" else "model.bpmn")
    return files_of_upload([(name, body)])
