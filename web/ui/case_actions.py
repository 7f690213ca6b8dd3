"""Actions on a case and its file: close the file (zdA) and reopen it, suspend, resume and cancel the case.

The destructive ones, closing the file and cancelling the case, ask for
confirmation on a page of their own; cancelling needs a reason of its own.
Who may do what is decided by the services (processes/casefile.py,
engine/runner.py), so the REST API follows the same rules.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from eakte.errors import EakteError, FileClosed
from engine import runner
from engine.errors import Conflict, Forbidden
from processes import casefile, casework
from web.api.schemas.common import MAX_REASON_LENGTH
from web.database import get_session
from web.engine_context import engine_context
from web.ui import documents, services
from web.ui.cases import STATUS_LABELS, case_page
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_case_actions", __name__, url_prefix="/ui/akten")
register_error_pages(bp)

# Suspend and resume (on the case page): engine service, flash message, German text for a state conflict.
OPERATIONS = {
    "anhalten": (runner.suspend_case, "Der Vorgang ist angehalten.",
                 "Nur laufende Vorgänge können angehalten werden."),
    "fortsetzen": (runner.resume_case, "Der Vorgang läuft weiter.",
                   "Nur angehaltene Vorgänge können fortgesetzt werden."),
}


@bp.get("/<case_id>/zda")
@login_required("clerk", "supervisor")
def confirm_close(case_id):
    """Ask whether the case's file should really be closed (or say why it cannot be)."""
    return _close_page(case_id)


@bp.post("/<case_id>/zda")
@login_required("clerk", "supervisor")
def close_file(case_id):
    """Close the case's file (zdA) once confirmed on its own page."""
    if request.form.get("bestaetigt") != "ja":
        return _close_page(case_id, error="Bitte bestätigen Sie auf dieser Seite, dass die Akte geschlossen werden soll.",
                           status=422)
    db, user = get_session(), ui_user()
    akte = casefile.file_of_case(db, user, case_id)
    try:
        casefile.close_file(db, user, akte.id, engine_context().clock())
    except (Conflict, Forbidden) as refusal:
        return _close_page(case_id, error=documents.close_refusal_text(refusal), status=refusal.status)
    except FileClosed:
        return _close_page(case_id, error="Die Akte ist bereits geschlossen (zdA).", status=409)
    flash(f"Die Akte {akte.aktenzeichen} ist geschlossen (zdA) und jetzt schreibgeschützt.")
    return redirect(url_for("ui_cases.show", case_id=case_id))


@bp.post("/<case_id>/wiedereroeffnen")
@login_required("supervisor")
def reopen_file(case_id):
    """Reopen the case's closed file (supervisors, with a reason)."""
    db, user = get_session(), ui_user()
    akte = casefile.file_of_case(db, user, case_id)
    reason = request.form.get("grund", "").strip()
    problem = _reason_problem(reason, "Bitte geben Sie einen Grund für die Wiedereröffnung an.")
    if problem and akte.status == "closed":  # an open file: the service's refusal below is the message
        return case_page(case_id, status=422, errors={"grund": problem})
    try:
        casefile.reopen_file(db, user, akte.id, reason)
    except EakteError:
        return case_page(case_id, status=409, errors={
            "akte": "Die Akte ist nicht geschlossen; nur geschlossene Akten können wieder geöffnet werden."})
    flash(f"Die Akte {akte.aktenzeichen} ist wieder geöffnet.")
    return redirect(url_for("ui_cases.show", case_id=case_id))


@bp.post("/<case_id>/<any(anhalten, fortsetzen):action>")
@login_required("supervisor")
def operate(case_id, action):
    """Suspend or resume the case (supervisors, with a reason for the audit log)."""
    service, done, conflict = OPERATIONS[action]
    reason = request.form.get("begruendung", "").strip()
    problem = _reason_problem(reason, "Bitte geben Sie eine Begründung an.")
    if problem:
        return case_page(case_id, status=422, errors={"begruendung": problem})
    try:
        service(get_session(), engine_context(), case_id, ui_user(), reason)
    except Conflict:
        return case_page(case_id, status=409, errors={"begruendung": conflict})
    flash(done)
    return redirect(url_for("ui_cases.show", case_id=case_id))


@bp.get("/<case_id>/abbrechen")
@login_required("supervisor")
def confirm_cancel(case_id):
    """Ask for the reason and the confirmation to cancel the case."""
    return _cancel_page(case_id)


@bp.post("/<case_id>/abbrechen")
@login_required("supervisor")
def cancel(case_id):
    """Cancel the case (supervisors) with the reason given on the confirmation page."""
    reason = request.form.get("abbruchgrund", "").strip()
    problem = _reason_problem(reason, "Bitte geben Sie an, warum der Vorgang abgebrochen wird.")
    if problem:
        return _cancel_page(case_id, reason=reason, error=problem, status=422)
    try:
        runner.cancel_case(get_session(), engine_context(), case_id, ui_user(), reason)
    except Conflict:
        return _cancel_page(case_id, reason=reason, status=409, error=(
            "Nur laufende oder angehaltene Vorgänge können abgebrochen werden."))
    flash("Der Vorgang ist abgebrochen. Seine offenen Aufgaben sind beendet.")
    return redirect(url_for("ui_cases.show", case_id=case_id))


def _reason_problem(reason: str, missing: str) -> str | None:
    if not reason:
        return missing
    if len(reason) > MAX_REASON_LENGTH:
        return f"Bitte höchstens {MAX_REASON_LENGTH} Zeichen eingeben."
    return None


def _close_page(case_id: str, error: str | None = None, status: int = 200):
    db, user = get_session(), ui_user()
    case = casework.get_case(db, user, case_id)
    akte = casefile.file_of_case(db, user, case_id)
    refusal = None
    if akte.status != "open":
        refusal = "Die Akte ist bereits geschlossen (zdA)."
    elif (found := casefile.close_refusal(db, user, akte)) is not None:
        refusal = documents.close_refusal_text(found)
        status = found.status if status == 200 else status
    return render_template("ui/confirm_close.html", title=f"Akte {akte.aktenzeichen} schließen", case=case,
                           akte=akte, refusal=refusal if refusal != error else None, error=error), status


def _cancel_page(case_id: str, reason: str = "", error: str | None = None, status: int = 200):
    db, user = get_session(), ui_user()
    case = casework.get_case(db, user, case_id)
    ended = case.status not in ("running", "suspended")
    children = [c for c in services.related_cases(db, user, case).children if c.status in ("running", "suspended")]
    return render_template("ui/confirm_cancel.html", title=" ".join(filter(None, ("Vorgang", case.business_key, "abbrechen"))),
                           case=case, reason=reason, error=error, ended=ended, status_labels=STATUS_LABELS,
                           running_children=children,
                           max_length=MAX_REASON_LENGTH), 409 if ended and status == 200 else status
