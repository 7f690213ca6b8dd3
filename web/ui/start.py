"""Neuer Vorgang: the procedures a clerk may start by hand, and the start form with channel and attachments."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, flash, redirect, render_template, request, url_for

from eakte.errors import UnsupportedContent
from engine.case_data import CaseDataError
from engine.errors import InvalidData
from processes import desk
from processes.intake import IncomingDocument
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.ui import documents, formatting
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.forms.submission import read_submission
from web.ui.forms.values import tree_from_data
from web.ui.forms.widgets import build_context, build_widgets, error_summary

bp = Blueprint("ui_start", __name__, url_prefix="/ui/neuer-vorgang")
register_error_pages(bp)

CHANNEL_LABELS = {channel: formatting.CHANNEL_LABELS[channel] for channel in desk.DESK_CHANNELS}
SUBJECT_LENGTH = 500
MAX_ATTACHMENTS = 50
ATTACHMENT_TYPES = {"baugenehmigung": "Bauvorlage"}
"""Document type of attachments per procedure; others are filed as "Antrag"."""


@bp.get("")
@login_required("clerk")
def index():
    """List the procedures the clerk may start."""
    entries = desk.startable_procedures(get_session(), engine_context(), ui_user())
    return render_template("ui/start.html", title="Neuer Vorgang", entries=entries)


@bp.get("/<process_key>")
@login_required("clerk")
def show(process_key):
    """Show the start form of a procedure."""
    return _page(process_key)


@bp.post("/<process_key>")
@login_required("clerk")
def start(process_key):
    """Start a case: row actions redraw the page; errors keep every value; success files the attachments."""
    db, user, ctx = get_session(), ui_user(), engine_context()
    entry = desk.startable(db, ctx, user, process_key)
    submission = read_submission(entry.form, request.form)
    values = {"betreff": request.form.get("betreff", "").strip(), "kanal": request.form.get("kanal", "")}
    files = [f for f in request.files.getlist("anlagen") if f.filename]
    if submission.action:
        return _page(process_key, tree=submission.tree, values=values, focus=submission.focus,
                     files_lost=bool(files))
    errors = dict(submission.errors)
    if not values["betreff"]:
        errors["betreff"] = ["Bitte einen Betreff eingeben."]
    elif len(values["betreff"]) > SUBJECT_LENGTH:
        errors["betreff"] = [f"Bitte höchstens {SUBJECT_LENGTH} Zeichen eingeben."]
    if values["kanal"] not in desk.DESK_CHANNELS:
        errors["kanal"] = ["Bitte wählen Sie, wie der Antrag eingegangen ist."]
    if len(files) > MAX_ATTACHMENTS:
        errors["anlagen"] = [f"Bitte höchstens {MAX_ATTACHMENTS} Dateien auf einmal anhängen."]
    if errors:
        return _page(process_key, tree=submission.tree, values=values, errors=errors, status=422,
                     files_lost=bool(files))
    doc_type = ATTACHMENT_TYPES.get(process_key, "Antrag")
    attachments = [IncomingDocument(f.read(), _file_name(f.filename), PurePath(_file_name(f.filename)).stem or "Anlage",
                                    doc_type) for f in files]
    try:
        receipt = desk.start_at_desk(db, ctx, document_store(), user, entry, data=submission.data,
                                     documents=attachments, channel=values["kanal"], subject=values["betreff"])
    except UnsupportedContent as exc:
        return _page(process_key, tree=submission.tree, values=values, status=422, files_lost=True,
                     errors={"anlagen": [documents.german_rejection(exc)]})
    except (InvalidData, CaseDataError) as exc:
        return _page(process_key, tree=submission.tree, values=values, status=422,
                     errors={"_form": [f"Der Vorgang konnte nicht angelegt werden: {exc}"]})
    flash(f"Vorgang {receipt.aktenzeichen} angelegt"
          + (f", {len(receipt.documents)} Anlage(n) abgelegt." if receipt.documents else "."))
    return redirect(url_for("ui_cases.show", case_id=receipt.case.id))


def _file_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255]


def _page(process_key: str, tree: dict | None = None, values: dict | None = None, errors: dict | None = None,
          status: int = 200, focus: str | None = None, files_lost: bool = False):
    db, user, ctx = get_session(), ui_user(), engine_context()
    entry = desk.startable(db, ctx, user, process_key)
    errors = errors or {}
    widgets, unplaced = build_widgets(entry.form, tree if tree is not None else tree_from_data(entry.form, {}),
                                      errors, focus)
    targets = {"betreff": "feld-betreff", "kanal": "feld-kanal-0"}
    summary = [(target, message) for name, target in targets.items() for message in errors.get(name, [])]
    summary += error_summary(widgets)
    summary += [("anlagen", message) for message in errors.get("anlagen", [])]
    general = [message for name, messages in unplaced.items() if name not in ("betreff", "kanal", "anlagen")
               for message in messages]
    summary += [("feld-betreff", message) for message in general]
    intro = [w for w in build_context(entry.form, {}) if w.kind in ("display_text", "display_html")]
    return render_template(
        "ui/start_form.html", title=f"Neuer Vorgang: {entry.title}", entry=entry, widgets=widgets, intro=intro,
        summary=summary, errors=errors, values=values or {"kanal": ""}, channels=CHANNEL_LABELS,
        files_lost=files_lost,
    ), status
