"""The case file view (Akte): summary, documents, deliveries, history timeline, diagram; delivery of a notice.

Closing and reopening the file and the supervisors' case operations are in web/ui/case_actions.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from eakte import audit, zustellung
from eakte.errors import FileClosed, NotDeliverable
from engine.forms import data_labels, forms_of_definition
from processes import casefile, casework
from processes.payment.rules import euro
from web.api.delivery import public_download_url
from web.database import get_session
from web.engine_context import engine_context
from web.ui import case_data_view, documents, services, steps
from web.ui.common import login_required, page_args, register_error_pages, ui_user
from web.ui.kasse import payable_fees
from web.ui.posteingang import awaited_post

bp = Blueprint("ui_cases", __name__, url_prefix="/ui/akten")
register_error_pages(bp)

STATUS_LABELS = {"running": "in Bearbeitung", "completed": "abgeschlossen", "cancelled": "abgebrochen",
                 "suspended": "angehalten", "failed": "mit Fehler beendet"}


@bp.get("/<case_id>")
@login_required()
def show(case_id):
    """Show a case file with its documents, history (paged) and diagram; the view is logged."""
    return case_page(case_id)


@bp.post("/<case_id>/zustellungen")
@login_required("clerk", "supervisor")
def deliver(case_id):
    """Make a notice of the case's file available for download; the page shows its link this once."""
    wanted, problems = documents.read_delivery_form(request.form)
    if problems:
        return case_page(case_id, errors=problems, status=422, delivery_values=request.form)
    try:
        delivery, token = casefile.deliver_notice(
            get_session(), ui_user(), case_id, wanted.dokument_id, recipient=wanted.recipient,
            ttl_days=wanted.ttl_days, now=engine_context().clock(),
        )
    except NotDeliverable:
        return case_page(case_id, status=422, delivery_values=request.form, errors={"dokument": (
            "Zum Abruf bereitstellen lassen sich nur ausgehende Bescheide und Urkunden.")})
    except FileClosed:
        return case_page(case_id, status=409, errors={"zustellung": (
            "Die Akte ist geschlossen (zdA); es kann nichts mehr zum Abruf bereitgestellt werden. "
            "Die Leitung kann sie wieder öffnen.")})
    html, _ = case_page(case_id, delivered=(delivery, public_download_url(token)))
    return html, 201, {"Cache-Control": "no-store"}  # the link must not stay in a cache


@bp.get("/<case_id>/diagramm.bpmn")
@login_required()
def diagram(case_id):
    """Return the BPMN XML of the case's process version (for the diagram viewer)."""
    case = casework.get_case(get_session(), ui_user(), case_id)
    _, content = services.bpmn_file(case.definition)
    return Response(content, mimetype="application/xml")


def case_page(case_id: str, errors: dict[str, str] | None = None, status: int = 200, delivery_values=None,
          delivered=None):
    """Render the case page (``errors`` by form field; those of no form shown are listed at the top)."""
    db, user, now = get_session(), ui_user(), engine_context().clock()
    case = casefile.view_case(db, user, case_id)
    page, per_page = page_args(20)
    events, total = audit.history(db, case.id, offset=(page - 1) * per_page, limit=per_page)
    names = steps.element_names(case.definition)
    file = documents.case_file(db, user, case)
    deliverable = documents.deliverable_documents(file)
    close_refusal = casefile.close_refusal(db, user, file.akte) if file.akte and file.akte.status == "open" else None
    errors = errors or {}
    shown = _forms_shown(case, user, file, deliverable)
    return render_template(
        "ui/case.html", title=f"Akte {case.business_key or case.id}", case=case,
        case_data=case_data_view.render_case_data(
            case.data, data_labels(forms_of_definition(engine_context().forms, case.definition))),
        open_tasks=casework.open_tasks_of(db, case), total=total, page=page, per_page=per_page,
        awaited=awaited_post(engine_context(), case), fees=payable_fees(db, case), euro=euro,
        timeline=[(event, steps.event_title(event.kind, event.data or {}, names)) for event in events],
        pages=max(1, -(-total // per_page)), status_labels=STATUS_LABELS,
        diagram=steps.diagram_state(db, case, names), now=now, related=services.related_cases(db, user, case),
        file=file, direction_labels=documents.DIRECTION_LABELS,
        file_status_labels=documents.FILE_STATUS_LABELS, errors=errors,
        general_errors=[message for name, message in errors.items() if name not in shown],
        may_close=file.akte is not None and file.akte.status == "open" and close_refusal is None,
        close_refusal=documents.close_refusal_text(close_refusal) if close_refusal else None,
        deliveries=documents.deliveries_of_file(db, user, file, now),
        delivery_state_labels=documents.DELIVERY_STATE_LABELS, deliverable=deliverable,
        delivery_values=delivery_values or {}, default_ttl_days=zustellung.DEFAULT_TTL_DAYS,
        max_ttl_days=zustellung.MAX_TTL_DAYS, max_recipient_length=zustellung.MAX_RECIPIENT_LENGTH, delivered=delivered,
    ), status


def _forms_shown(case, user, file, deliverable) -> set[str]:
    """Return the names of the messages case.html shows next to a form (all others are listed at the top)."""
    shown = {"akte", "zustellung"} if file.akte else set()
    if file.akte and file.akte.status == "open" and user.has_role("clerk", "supervisor") and deliverable:
        shown |= documents.DELIVERY_FIELDS
    if file.akte and file.akte.status == "closed" and user.has_role("supervisor"):
        shown.add("grund")
    if user.has_role("supervisor") and case.status in ("running", "suspended"):
        shown.add("begruendung")
    return shown
