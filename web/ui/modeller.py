"""The modeller's pages: upload BPMN/DMN, list definitions with versions, diagram per version."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from engine import definitions
from engine.loader import ModelValidationError
from processes import casework
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_modeller", __name__, url_prefix="/ui/modelle")
register_error_pages(bp)


@bp.get("")
@login_required("modeller", "supervisor")
def index():
    """List every definition version visible to the authority and offer the upload."""
    return _index_page()


@bp.post("")
@login_required("modeller")
def upload():
    """Deploy the uploaded BPMN file (plus DMN files); show every problem if the model is invalid."""
    files: dict[str, bytes] = {}
    for upload_file in request.files.getlist("dateien"):
        name = (upload_file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if name:
            files[name] = upload_file.read()
    if not files:
        return _index_page(upload_error="Bitte mindestens eine BPMN-Datei auswählen.", status=422)
    try:
        deployment = casework.deploy(get_session(), engine_context(), files, ui_user())
    except ModelValidationError as exc:
        return _index_page(problems=exc.problems, status=422)
    d = deployment.definition
    flash(f"{d.key} Version {d.version} bereitgestellt." if deployment.created
          else f"Unverändert: {d.key} Version {d.version} ist bereits bereitgestellt.")
    return redirect(url_for(".show", definition_id=d.id))


@bp.get("/<definition_id>")
@login_required("modeller", "supervisor")
def show(definition_id):
    """Show one definition version with its diagram."""
    definition = casework.get_definition(get_session(), ui_user(), definition_id)
    return render_template("ui/definition.html", title=f"Modell {definition.key} Version {definition.version}",
                           definition=definition)


@bp.get("/<definition_id>/diagramm.bpmn")
@login_required("modeller", "supervisor")
def diagram(definition_id):
    """Return the BPMN XML of one version (for the diagram viewer)."""
    _, content = services.bpmn_file(casework.get_definition(get_session(), ui_user(), definition_id))
    return Response(content, mimetype="application/xml")


def _index_page(problems=None, upload_error: str | None = None, status: int = 200):
    rows = definitions.list_definitions(get_session(), ui_user().authority_id)
    return render_template("ui/definitions.html", title="Prozessmodelle", definitions=rows, problems=problems,
                           upload_error=upload_error), status
