"""The modeller's pages: upload a procedure package, list the versions, one version with its files and templates."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for

import io

from engine import definitions
from engine.loader import ModelValidationError
from processes import casework
from processes.packages.archive import files_of_upload
from processes.packages.checks import SAMPLE_META
from processes.packages.exchange import export_package
from processes.packages.store import package_of
from processes.packages.versions import case_counts
from eakte.document_templates import TemplateProblem, render_document
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import error_page, login_required, register_error_pages, ui_user

bp = Blueprint("ui_modeller", __name__, url_prefix="/ui/modelle")
register_error_pages(bp)

ACCEPTED = ".bpmn,.dmn,.form,.html,.css,.json,.zip,.xml"


@bp.get("")
@login_required("modeller", "supervisor")
def index():
    """List every definition version visible to the authority and offer the upload."""
    return _index_page()


@bp.post("")
@login_required("modeller")
def upload():
    """Deploy the uploaded package (its files or one ZIP); show every problem if it is invalid."""
    uploads = []
    for upload_file in request.files.getlist("dateien"):
        name = (upload_file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if name:
            uploads.append((name, upload_file.read()))
    if not uploads:
        return _index_page(upload_error="Bitte die Dateien des Verfahrens oder ein ZIP-Archiv auswählen.", status=422)
    try:
        files = files_of_upload(uploads)
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
    """Show one definition version: its files, templates, tasks and diagram."""
    definition = casework.get_definition(get_session(), ui_user(), definition_id)
    package = package_of(definition)
    return render_template("ui/definition.html", title=f"Modell {definition.key} Version {definition.version}",
                           definition=definition, manifest=package.manifest,
                           templates=sorted(n for n in package.templates if n.endswith(".html")))


@bp.get("/<definition_id>/diagramm.bpmn")
@login_required("modeller", "supervisor")
def diagram(definition_id):
    """Return the BPMN XML of one version (for the diagram viewer)."""
    _, content = services.bpmn_file(casework.get_definition(get_session(), ui_user(), definition_id))
    return Response(content, mimetype="application/xml")


@bp.get("/<definition_id>/export.zip")
@login_required("modeller", "supervisor")
def export(definition_id):
    """Download the version as a package (ZIP with manifest.json) for another authority."""
    session, user = get_session(), ui_user()
    definition = casework.get_definition(session, user, definition_id)
    name, data = export_package(session, engine_context(), definition, user.authority_id)
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.get("/<definition_id>/vorlagen/<name>/vorschau.pdf")
@login_required("modeller", "supervisor")
def template_preview(definition_id, name):
    """Render a template of the version with the manifest's sample data (PDF/A, not filed anywhere)."""
    definition = casework.get_definition(get_session(), ui_user(), definition_id)
    package = package_of(definition)
    if name not in package.templates or not name.endswith(".html"):
        return error_page(404, f"Die Vorlage „{name}“ gehört nicht zu dieser Version.")
    info = package.manifest.templates.get(name) if package.manifest else None
    try:
        pdf = render_document(package.templates, name, info.sample if info else {}, SAMPLE_META)
    except TemplateProblem as exc:
        where = f" (Zeile {exc.line})" if exc.line else ""
        return error_page(422, f"Die Vorschau von „{name}“ ist nicht möglich{where}: {exc.german}")
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"Vorschau {name}.pdf")


def _index_page(problems=None, upload_error: str | None = None, status: int = 200):
    session, user = get_session(), ui_user()
    rows = definitions.list_definitions(session, user.authority_id)
    counts = case_counts(session, user.authority_id, [d.id for d in rows])
    return render_template("ui/definitions.html", title="Prozessmodelle", definitions=rows, problems=problems,
                           counts=counts, upload_error=upload_error, accepted=ACCEPTED), status
