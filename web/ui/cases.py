"""The case file view (Akte): summary, data, deadlines, history timeline, diagram."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from eakte import audit
from processes import casework
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_cases", __name__, url_prefix="/ui/akten")
register_error_pages(bp)

EVENT_LABELS = {
    "case.started": "Vorgang begonnen",
    "case.completed": "Vorgang abgeschlossen",
    "step.completed": "Schritt ausgeführt",
    "task.created": "Aufgabe angelegt",
    "task.claimed": "Aufgabe übernommen",
    "task.unclaimed": "Aufgabe zurückgegeben",
    "task.completed": "Aufgabe erledigt",
    "task.cancelled": "Aufgabe abgebrochen",
    "task.handed_over": "Aufgabe an Gruppe übergeben",
    "task.follow_up_set": "Wiedervorlage gesetzt",
    "note.added": "Notiz",
}
STATUS_LABELS = {"running": "in Bearbeitung", "completed": "abgeschlossen", "cancelled": "abgebrochen",
                 "suspended": "angehalten"}


@bp.get("/<case_id>")
@login_required()
def show(case_id):
    """Show a case file with its history (paged) and diagram."""
    db, user = get_session(), ui_user()
    case = casework.get_case(db, user, case_id)
    page, per_page = page_args(20)
    events, total = audit.history(db, case.id, offset=(page - 1) * per_page, limit=per_page)
    return render_template(
        "ui/case.html", title=f"Akte {case.business_key or case.id}", case=case,
        open_tasks=casework.open_tasks_of(db, case), events=events, total=total, page=page, per_page=per_page,
        pages=max(1, -(-total // per_page)), event_labels=EVENT_LABELS, status_labels=STATUS_LABELS,
        diagram=services.diagram_state(db, case), now=engine_context().clock(),
    )


@bp.get("/<case_id>/diagramm.bpmn")
@login_required()
def diagram(case_id):
    """Return the BPMN XML of the case's process version (for the diagram viewer)."""
    case = casework.get_case(get_session(), ui_user(), case_id)
    _, content = services.bpmn_file(case.definition)
    return Response(content, mimetype="application/xml")
