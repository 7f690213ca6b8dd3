"""The package editor: model, forms, decision tables and templates in the browser; "Speichern" deploys a version.

The editors (bpmn-js, form-js, dmn-js from npm) are the only pages that need
JavaScript; without it every file is a text area of the same form, so the
package can still be edited and saved. The BPMN editor asks ``pruefen`` for
the engine's findings while the modeller draws and shows them as lint issues.
"""

from __future__ import annotations

import io
import json

from flask import Blueprint, flash, jsonify, make_response, redirect, render_template, request, send_file, url_for

from eakte.document_templates import TemplateProblem, render_document
from engine import definitions
from engine.connectors.http import ConnectorOperation
from engine.errors import NotFound
from engine.loader import ModelValidationError
from processes import casework
from processes.packages.checks import SAMPLE_META
from processes.packages.deploy import parse_package
from processes.packages.problems import german
from web.database import get_session
from web.engine_context import engine_context
from web.security_headers import editor_page_headers
from web.ui.common import error_page, login_required, register_error_pages, ui_user
from web.ui.editor_state import DOC_TYPES, KEY_PATTERN, EditorState, add_file, from_files, from_form, new_package

bp = Blueprint("ui_editor", __name__, url_prefix="/ui/modelle/editor")
register_error_pages(bp)

OPERATION_LABELS = {
    "eakte.dokument": "Dokument aus einer Vorlage erstellen",
    "eakte.zustellen": "Bescheid digital zustellen",
    "eakte.zda": "Akte schließen (zdA)",
    "frist.berechnen": "Frist in Tagen berechnen",
    "termin.berechnen": "Beginn eines Termins berechnen",
    "gebuehr.festsetzen": "Gebühr festsetzen (Kassenzeichen)",
    "geburt.beurkunden": "Im Geburtenregister beurkunden",
    "eheschliessung.beurkunden": "Im Eheregister beurkunden",
}
MAX_PREVIEW_SAMPLE = 200_000


@bp.get("/neu")
@login_required("modeller")
def new():
    """Ask for the process id and name of a new procedure."""
    return render_template("ui/editor_new.html", title="Neues Verfahren", values={}, errors={})


@bp.post("/neu")
@login_required("modeller")
def create():
    """Open the editor with a new procedure (nothing is stored until it is saved)."""
    values = {"schluessel": request.form.get("schluessel", "").strip(), "name": request.form.get("name", "").strip()}
    errors = {}
    if not KEY_PATTERN.match(values["schluessel"]):
        errors["schluessel"] = ("Bitte eine Prozess-ID aus Buchstaben ohne Umlaute, Ziffern, „_“ und „-“ angeben, "
                                "beginnend mit einem Buchstaben (höchstens 100 Zeichen).")
    else:
        try:
            definitions.latest_definition(get_session(), values["schluessel"], ui_user().authority_id)
            errors["schluessel"] = "Ein Verfahren mit dieser Prozess-ID gibt es schon; bitte eine andere wählen."
        except NotFound:
            pass
    if not values["name"] or len(values["name"]) > 300:
        errors["name"] = "Bitte einen Namen mit höchstens 300 Zeichen angeben."
    if errors:
        return render_template("ui/editor_new.html", title="Neues Verfahren", values=values, errors=errors), 422
    return _editor_page(new_package(values["schluessel"], values["name"]), new=True)


@bp.get("/<definition_id>")
@login_required("modeller")
def edit(definition_id):
    """Open the editor with the files of a deployed version."""
    definition = casework.get_definition(get_session(), ui_user(), definition_id)
    return _editor_page(from_files(definition.key, definition.file_contents()), based_on=definition)


@bp.post("/speichern")
@login_required("modeller")
def save():
    """Deploy the edited package as a new version, or add a file, or show its problems with every entry kept."""
    state = from_form(request.form)
    action = request.form.get("aktion", "speichern")
    if not KEY_PATTERN.match(state.key):
        return error_page(400, "Die Prozess-ID des Editors fehlt oder ist ungültig. Bitte öffnen Sie den Editor neu.")
    if action in ("neue_vorlage", "neues_formular"):
        suffix, field = (".html", "neue_vorlage_name") if action == "neue_vorlage" else (".form", "neues_formular_name")
        error = add_file(state, request.form.get(field, ""), suffix)
        if error:
            state.errors[field] = error
        return _editor_page(state, status=422 if error else 200)
    if state.errors:
        return _editor_page(state, status=422)
    try:
        deployment = casework.deploy(get_session(), engine_context(), state.to_files(), ui_user())
    except ModelValidationError as exc:
        return _editor_page(state, problems=exc.problems, status=422)
    d = deployment.definition
    flash(f"{d.name or d.key}: Version {d.version} bereitgestellt." if deployment.created
          else f"Unverändert: Version {d.version} ist bereits bereitgestellt.")
    return redirect(url_for("ui_modeller.show", definition_id=d.id))


@bp.post("/vorschau")
@login_required("modeller")
def preview():
    """Render one template of the edited package with its sample data as PDF/A (nothing is filed)."""
    state = from_form(request.form)
    name = request.form.get("vorschau", "")
    if name not in state.files or not name.endswith(".html"):
        return error_page(404, f"Die Vorlage „{name}“ gehört nicht zum Paket.")
    if f"vorlage_beispiel:{name}" in state.errors:
        return error_page(422, "Die Beispieldaten der Vorlage sind kein gültiges JSON-Objekt.")
    sample = state.template_info(name).get("sample", {})
    info = state.template_info(name)
    meta = SAMPLE_META.__class__(**{**SAMPLE_META.__dict__, "title": info.get("title") or "Vorschau"})
    try:
        pdf = render_document(state.files, name, sample if isinstance(sample, dict) else {}, meta)
    except TemplateProblem as exc:
        where = f" (Zeile {exc.line})" if exc.line else ""
        return error_page(422, f"Die Vorschau von „{name}“ ist nicht möglich{where}: {exc.german}")
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"Vorschau {name}.pdf")


@bp.post("/pruefen")
@login_required("modeller")
def check():
    """Check the edited package with the engine's validation; answer with the findings as JSON (for bpmnlint)."""
    body = request.get_json(silent=True) or {}
    files = body.get("files") if isinstance(body.get("files"), dict) else {}
    manifest = body.get("manifest") if isinstance(body.get("manifest"), dict) else None
    state = EditorState(str(body.get("key", "")), {str(k): str(v) for k, v in files.items()}, manifest or {})
    try:
        parse_package(state.to_files() if manifest else {n: t.encode() for n, t in state.files.items()},
                      engine_context().registry.names())
    except ModelValidationError as exc:
        return jsonify({"findings": [{"element_id": p.element_id, "message": german(p), "file": p.file,
                                      "line": p.line, "root": p.element_id is None} for p in exc.problems]})
    return jsonify({"findings": []})


def _operations(state: EditorState) -> list[dict]:
    registry = engine_context().registry
    found = []
    for name in registry.names():
        handler = registry.get(name)
        if name == "postfach.senden":
            continue
        label = OPERATION_LABELS.get(name) or name
        found.append({"name": name, "label": label, "connector": isinstance(handler, ConnectorOperation)})
    for name, spec in (state.manifest.get("connectors") or {}).items():
        if name not in registry:
            found.append({"name": name, "label": spec.get("title") or name, "connector": True,
                          "inputs": spec.get("inputs", [])})
    return sorted(found, key=lambda op: (op["name"] != "eakte.dokument", op["label"]))


def _editor_page(state: EditorState, *, problems=None, new: bool = False, based_on=None, status: int = 200):
    html = render_template(
        "ui/editor.html", title=f"Verfahren bearbeiten: {state.manifest.get('name') or state.key}", state=state,
        problems=problems, new=new, based_on=based_on, doc_types=DOC_TYPES,
        editor_data=json.dumps({"operations": _operations(state), "key": state.key,
                                "checkUrl": url_for("ui_editor.check")}, ensure_ascii=False),
    )
    return editor_page_headers(make_response(html, status))
