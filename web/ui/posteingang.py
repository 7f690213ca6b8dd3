"""Posteingang: post that arrives for a running case (documents handed in on paper or by e-mail) is filed into the
case's file, and continues the case if the case waits for it (e.g. the building permit's "Nachreichung abwarten").

The clerk finds the case by its Aktenzeichen, sees what the case waits for, uploads the documents and says whether
they are what was awaited. The same services as ``POST /api/v1/messages`` do the work (processes/intake.py).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from eakte.errors import FileClosed, UnsupportedContent
from eakte.models.dokument import DOCUMENT_TYPES, Dokument
from engine import runner
from engine.errors import Conflict
from engine.models import Case
from processes import casework, intake
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.ui import documents
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_posteingang", __name__, url_prefix="/ui/posteingang")
register_error_pages(bp)

ONLY_FILED = "akte"  # the choice "only file it" (not what the case waits for)
FIELD_LABELS = {"zuordnung": "Zuordnung", "betreff": "Betreff", "dokumentart": "Dokumentart", "dateien": "Dateien"}
MAX_FILES = 20
SUBJECT_LENGTH = Dokument.__table__.c.subject.type.length


@bp.get("")
@login_required("clerk", "supervisor")
def find():
    """Find the case by its Aktenzeichen."""
    aktenzeichen = request.args.get("aktenzeichen", "").strip()
    if not aktenzeichen:
        return render_template("ui/posteingang_suche.html", title="Posteingang zuordnen", aktenzeichen="", error=None)
    case = get_session().scalar(select(Case).where(Case.authority_id == ui_user().authority_id,
                                                   Case.business_key == aktenzeichen[:100]))
    if case is None:
        return render_template(
            "ui/posteingang_suche.html", title="Posteingang zuordnen", aktenzeichen=aktenzeichen,
            error="Zu diesem Aktenzeichen gibt es in Ihrer Behörde keinen Vorgang. Bitte prüfen Sie die Schreibweise, "
                  "z. B. 63.01-2026-000123."), 404
    return redirect(url_for(".record", case_id=case.id))


@bp.get("/<case_id>")
@login_required("clerk", "supervisor")
def record(case_id):
    """Show the case and the form for the incoming post."""
    return _page(case_id)


@bp.post("/<case_id>")
@login_required("clerk", "supervisor")
def submit(case_id):
    """File the uploaded documents; deliver them as the awaited message if the clerk says so."""
    db, user, ctx = get_session(), ui_user(), engine_context()
    case = casework.get_case(db, user, case_id)
    awaited = {m.name: m for m in awaited_post(ctx, case)}
    form = request.form
    choice = form.get("zuordnung", "")
    subject, doc_type = form.get("betreff", "").strip(), form.get("dokumentart", "")
    files = [f for f in request.files.getlist("dateien") if f.filename]
    problems: dict[str, list[str]] = {}
    if choice != ONLY_FILED and choice not in awaited:
        problems["zuordnung"] = ["Bitte wählen Sie, wozu der Eingang gehört."]
    if not subject:
        problems["betreff"] = ["Bitte einen Betreff eingeben."]
    elif len(subject) > SUBJECT_LENGTH - 6:  # room for " (n/N)" when several files share it
        problems["betreff"] = [f"Bitte höchstens {SUBJECT_LENGTH - 6} Zeichen eingeben."]
    if doc_type not in DOCUMENT_TYPES:
        problems["dokumentart"] = ["Bitte eine Dokumentart wählen."]
    if not files:
        problems["dateien"] = ["Bitte mindestens eine Datei auswählen."]
    elif len(files) > MAX_FILES:
        problems["dateien"] = [f"Bitte höchstens {MAX_FILES} Dateien auf einmal erfassen."]
    if problems:
        return _page(case_id, problems, form, status=422)
    incoming = [intake.IncomingDocument(f.read(), f.filename, _numbered(subject, i, len(files)), doc_type)
                for i, f in enumerate(files, start=1)]
    try:
        result = intake.record_post(db, ctx, document_store(), user, case, incoming,
                                    None if choice == ONLY_FILED else choice)
    except UnsupportedContent as exc:
        return _page(case_id, {"dateien": [documents.german_rejection(exc)]}, form, status=422)
    except FileClosed:
        return _page(case_id, {"dateien": ["Die Akte ist geschlossen (zdA) und nimmt keine Dokumente mehr an."]},
                     form, status=409)
    except Conflict:
        return _page(case_id, {"zuordnung": ["Der Vorgang wartet nicht mehr auf diesen Eingang. Bitte wählen Sie "
                                             "erneut."]}, form, status=409)
    count = "1 Dokument" if len(result.documents) == 1 else f"{len(result.documents)} Dokumente"
    step = f" Der Vorgang geht weiter (bisher: „{awaited[choice].step}“)." if result.continued else ""
    flash(f"Eingang zu {case.business_key} erfasst: {count} abgelegt.{step}")
    return redirect(url_for("ui_cases.show", case_id=case.id))


def awaited_post(ctx, case) -> list[runner.AwaitedMessage]:
    """The messages the case waits for that incoming post can be (not a fee's payment: that is booked at the Kasse)."""
    if case.status != "running":
        return []
    return [m for m in runner.awaited_messages(ctx, case) if m.name not in intake.RESERVED_MESSAGES]


def _numbered(subject: str, index: int, total: int) -> str:
    return subject if total == 1 else f"{subject} ({index}/{total})"


def _page(case_id: str, errors: dict | None = None, values=None, status: int = 200):
    db, user, ctx = get_session(), ui_user(), engine_context()
    case = casework.get_case(db, user, case_id)
    awaited = awaited_post(ctx, case)
    choices = [(m.name, f"Das ist der erwartete Eingang: {m.step}", "Der Vorgang geht danach weiter.")
               for m in awaited]
    choices.append((ONLY_FILED, "Sonstiger Eingang: nur in die Akte legen", "Der Vorgang bleibt, wo er ist."))
    errors = errors or {}
    summary = [(name, f"{FIELD_LABELS[name]}: {message}") for name, messages in errors.items() for message in messages]
    return render_template(
        "ui/posteingang.html", title=f"Posteingang für {case.business_key or 'den Vorgang'}", case=case,
        awaited=awaited, choices=choices, default_choice=awaited[0].name if len(awaited) == 1 else "",
        file=documents.case_file(db, user, case), document_types=[(t, t) for t in DOCUMENT_TYPES], errors=errors,
        summary=summary, values=values or {}, max_files=MAX_FILES,
    ), status
