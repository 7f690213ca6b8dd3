"""The case file view (Akte): summary, documents, deliveries, history timeline, diagram; delivery of a notice, zdA,
reopening, case operations."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from eakte import audit, zustellung
from eakte.errors import EakteError, FileClosed, NotDeliverable
from engine import runner
from engine.errors import Conflict
from engine.forms import data_labels, forms_of_definition
from processes import casefile, casework
from web.api.delivery import public_download_url
from web.api.schemas.common import MAX_REASON_LENGTH
from web.database import get_session
from web.engine_context import engine_context
from web.ui import case_data_view, documents, services
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_cases", __name__, url_prefix="/ui/akten")
register_error_pages(bp)

EVENT_LABELS = {
    "case.started": "Vorgang begonnen",
    "case.completed": "Vorgang abgeschlossen",
    "case.viewed": "Akte angesehen",
    "case.suspended": "Vorgang angehalten",
    "case.resumed": "Vorgang fortgesetzt",
    "case.cancelled": "Vorgang abgebrochen",
    "step.completed": "Schritt ausgeführt",
    "task.created": "Aufgabe angelegt",
    "task.claimed": "Aufgabe übernommen",
    "task.unclaimed": "Aufgabe zurückgegeben",
    "task.completed": "Aufgabe erledigt",
    "task.cancelled": "Aufgabe abgebrochen",
    "task.handed_over": "Aufgabe an Gruppe übergeben",
    "task.follow_up_set": "Wiedervorlage gesetzt",
    "document.stored": "Dokument abgelegt",
    "document.read": "Dokument geöffnet",
    "document.rendered": "PDF-Fassung erstellt",
    "service.called": "Fachverfahren abgefragt",
    "message.received": "Nachricht eingegangen",
    "message.delivered": "Nachricht zugestellt",
    "message.sent": "Nachricht an das Bürgerpostfach gesendet",
    "notice.made_available": "Bescheid zum Abruf bereitgestellt",
    "notice.downloaded": "Bescheid abgerufen",
    "incident.opened": "Störung aufgetreten",
    "incident.retried": "Störung erneut versucht",
    "note.added": "Notiz",
}
STATUS_LABELS = {"running": "in Bearbeitung", "completed": "abgeschlossen", "cancelled": "abgebrochen",
                 "suspended": "angehalten"}

# Supervisor operations on a case: engine service, flash message, German text for a state conflict.
OPERATIONS = {
    "anhalten": (runner.suspend_case, "Der Vorgang ist angehalten.",
                 "Nur laufende Vorgänge können angehalten werden."),
    "fortsetzen": (runner.resume_case, "Der Vorgang läuft weiter.",
                   "Nur angehaltene Vorgänge können fortgesetzt werden."),
    "abbrechen": (runner.cancel_case, "Der Vorgang ist abgebrochen.",
                  "Nur laufende oder angehaltene Vorgänge können abgebrochen werden."),
}


@bp.get("/<case_id>")
@login_required()
def show(case_id):
    """Show a case file with its documents, history (paged) and diagram; the view is logged."""
    return _page(case_id)


@bp.post("/<case_id>/zustellungen")
@login_required("clerk", "supervisor")
def deliver(case_id):
    """Make a notice of the case's file available for download; the page shows its link this once."""
    wanted, problems = documents.read_delivery_form(request.form)
    if problems:
        return _page(case_id, errors=problems, status=422, delivery_values=request.form)
    try:
        delivery, token = casefile.deliver_notice(
            get_session(), ui_user(), case_id, wanted.dokument_id, recipient=wanted.recipient,
            ttl_days=wanted.ttl_days, now=engine_context().clock(),
        )
    except NotDeliverable:
        return _page(case_id, status=422, delivery_values=request.form, errors={"dokument": (
            "Zum Abruf bereitstellen lassen sich nur ausgehende Bescheide und Urkunden.")})
    except FileClosed:
        return _page(case_id, status=409, errors={"zustellung": (
            "Die Akte ist geschlossen (zdA); es kann nichts mehr zum Abruf bereitgestellt werden. "
            "Die Leitung kann sie wieder öffnen.")})
    html, _ = _page(case_id, delivered=(delivery, public_download_url(token)))
    return html, 201, {"Cache-Control": "no-store"}  # the link must not stay in a cache


@bp.post("/<case_id>/zda")
@login_required("clerk", "supervisor")
def close_file(case_id):
    """Close the case's file (zdA) after the user confirmed it."""
    if request.form.get("bestaetigt") != "ja":
        return _page(case_id, errors={"zda": "Bitte bestätigen Sie, dass die Akte geschlossen werden soll."},
                     status=422)
    db, user = get_session(), ui_user()
    akte = casefile.file_of_case(db, user, case_id)
    try:
        casefile.close_file(db, user, akte.id, engine_context().clock())
    except Conflict:
        return _page(case_id, status=409, errors={"akte": (
            "Die Akte kann erst geschlossen werden, wenn alle ihre Vorgänge beendet sind. "
            "Mindestens ein Vorgang läuft noch.")})
    except FileClosed:
        return _page(case_id, status=409, errors={"akte": "Die Akte ist bereits geschlossen (zdA)."})
    flash(f"Die Akte {akte.aktenzeichen} ist geschlossen (zdA) und jetzt schreibgeschützt.")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/<case_id>/wiedereroeffnen")
@login_required("supervisor")
def reopen_file(case_id):
    """Reopen the case's closed file (supervisors, with a reason)."""
    db, user = get_session(), ui_user()
    akte = casefile.file_of_case(db, user, case_id)
    reason = request.form.get("grund", "").strip()
    problem = _reason_problem(reason, "Bitte geben Sie einen Grund für die Wiedereröffnung an.")
    if problem and akte.status == "closed":  # an open file: the service's refusal below is the message
        return _page(case_id, status=422, errors={"grund": problem})
    try:
        casefile.reopen_file(db, user, akte.id, reason)
    except EakteError:
        return _page(case_id, status=409, errors={
            "akte": "Die Akte ist nicht geschlossen; nur geschlossene Akten können wieder geöffnet werden."})
    flash(f"Die Akte {akte.aktenzeichen} ist wieder geöffnet.")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/<case_id>/<any(anhalten, fortsetzen, abbrechen):action>")
@login_required("supervisor")
def operate(case_id, action):
    """Suspend, resume or cancel the case (supervisors, with a reason for the audit log)."""
    service, done, conflict = OPERATIONS[action]
    reason = request.form.get("begruendung", "").strip()
    problem = _reason_problem(reason, "Bitte geben Sie eine Begründung an.")
    if problem:
        return _page(case_id, status=422, errors={"begruendung": problem})
    try:
        service(get_session(), engine_context(), case_id, ui_user(), reason)
    except Conflict:
        return _page(case_id, status=409, errors={"begruendung": conflict})
    flash(done)
    return redirect(url_for(".show", case_id=case_id))


@bp.get("/<case_id>/diagramm.bpmn")
@login_required()
def diagram(case_id):
    """Return the BPMN XML of the case's process version (for the diagram viewer)."""
    case = casework.get_case(get_session(), ui_user(), case_id)
    _, content = services.bpmn_file(case.definition)
    return Response(content, mimetype="application/xml")


def _reason_problem(reason: str, missing: str) -> str | None:
    if not reason:
        return missing
    if len(reason) > MAX_REASON_LENGTH:
        return f"Bitte höchstens {MAX_REASON_LENGTH} Zeichen eingeben."
    return None


def _page(case_id: str, errors: dict[str, str] | None = None, status: int = 200, delivery_values=None,
          delivered=None):
    db, user, now = get_session(), ui_user(), engine_context().clock()
    case = casefile.view_case(db, user, case_id)
    page, per_page = page_args(20)
    events, total = audit.history(db, case.id, offset=(page - 1) * per_page, limit=per_page)
    file = documents.case_file(db, user, case)
    deliverable = documents.deliverable_documents(file)
    errors = errors or {}
    shown = _forms_shown(case, user, file, deliverable)
    return render_template(
        "ui/case.html", title=f"Akte {case.business_key or case.id}", case=case,
        case_data=case_data_view.render_case_data(
            case.data, data_labels(forms_of_definition(engine_context().forms, case.definition))),
        open_tasks=casework.open_tasks_of(db, case), events=events,
        awaited=runner.awaited_messages(engine_context(), case) if case.status == "running" else [], total=total, page=page, per_page=per_page,
        pages=max(1, -(-total // per_page)), event_labels=EVENT_LABELS, status_labels=STATUS_LABELS,
        diagram=services.diagram_state(db, case), now=now,
        file=file, direction_labels=documents.DIRECTION_LABELS,
        file_status_labels=documents.FILE_STATUS_LABELS, errors=errors,
        general_errors=[message for name, message in errors.items() if name not in shown],
        deliveries=documents.deliveries_of_file(db, user, file, now),
        delivery_state_labels=documents.DELIVERY_STATE_LABELS, deliverable=deliverable,
        delivery_values=delivery_values or {}, default_ttl_days=zustellung.DEFAULT_TTL_DAYS,
        max_ttl_days=zustellung.MAX_TTL_DAYS, max_recipient_length=zustellung.MAX_RECIPIENT_LENGTH, delivered=delivered,
    ), status


def _forms_shown(case, user, file, deliverable) -> set[str]:
    """Return the names of the messages case.html shows next to a form (all others are listed at the top)."""
    shown = {"akte", "zustellung"} if file.akte else set()
    if file.akte and file.akte.status == "open" and user.has_role("clerk", "supervisor"):
        shown.add("zda")
        if deliverable:
            shown |= documents.DELIVERY_FIELDS
    if file.akte and file.akte.status == "closed" and user.has_role("supervisor"):
        shown.add("grund")
    if user.has_role("supervisor") and case.status in ("running", "suspended"):
        shown.add("begruendung")
    return shown
