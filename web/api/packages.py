"""REST resource: export a procedure package, import one from another authority, its setup checklist."""

import io

from flask import request, send_file
from flask_smorest import abort

from processes import casework
from processes.packages import setup
from processes.packages.exchange import export_package, import_package
from web.api.blueprint import Blueprint
from web.api.schemas.packages import PackageImportSchema, PackageSetupSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("packages", __name__, url_prefix="/api/v1/process-definitions",
                description="Einer für Alle: export a procedure package, import it in another authority")


@blp.route("/<definition_id>/package", methods=["GET"])
@api_auth("modeller", "supervisor")
@blp.response(200, content_type="application/zip", description="the package as a ZIP archive with its manifest")
def export(definition_id):
    """Export one version as a package (ZIP with manifest.json) for another authority."""
    session, user = get_session(), current_user()
    definition = casework.get_definition(session, user, definition_id)
    name, data = export_package(session, engine_context(), definition, user.authority_id)
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@blp.route("/imports", methods=["POST"])
@api_auth("modeller")
@blp.response(201, PackageImportSchema, description="imported; 'requirements' lists what to configure")
@blp.alt_response(422, description="the archive or the package is invalid; every problem is named")
@blp.doc(requestBody={"required": True, "content": {
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                 "format": "binary"}}}}}})
def import_():
    """Import a package another authority exported (ZIP with manifest.json) for my authority.

    Cases of it start only when my authority has configured what it needs
    (groups, roles, connector systems, file plan unit); until then starting a
    case answers 409 naming what is missing.
    """
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data()
    if not data:
        abort(400, message="send the package as a ZIP archive: as the body or in the multipart field 'file'")
    name = (upload.filename if upload is not None else None) or "paket.zip"
    result = import_package(get_session(), engine_context(), data, current_user(), archive_name=name)
    return {"definition": result.deployment.definition, "created": result.deployment.created, "ready": result.ready,
            "requirements": result.requirements}, 201


@blp.route("/<definition_id>/setup", methods=["GET"])
@api_auth()
@blp.response(200, PackageSetupSchema)
def setup_status(definition_id):
    """What the package of this version needs from my authority, and whether cases can start."""
    session, user = get_session(), current_user()
    definition = casework.get_definition(session, user, definition_id)
    found = setup.requirements(session, engine_context(), user.authority, definition)
    imported = setup.imported(session, user.authority_id, definition.key) is not None
    return {"imported": imported, "ready": not imported or all(r.met for r in found), "requirements": found}
