"""Supervisors' list of incidents (background jobs that failed after all retries) with retry."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from engine import incidents
from engine.errors import Conflict
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_incidents", __name__, url_prefix="/ui/aufsicht/stoerungen")
register_error_pages(bp)


@bp.get("")
@login_required("supervisor")
def index():
    """List the open incidents of my authority, newest first."""
    return _page()


@bp.post("/<incident_id>/erneut")
@login_required("supervisor")
def retry(incident_id):
    """Queue the incident's job again (the same service as POST /api/v1/incidents/{id}/retry)."""
    try:
        incidents.retry_incident(get_session(), engine_context(), ui_user(), incident_id)
    except Conflict:
        return _page(status=409, error="Diese Störung ist bereits behoben oder wird gerade erneut versucht.")
    flash("Der Schritt wird erneut versucht. Die Störung verschwindet, sobald er gelingt.")
    return redirect(url_for(".index"))


def _page(status: int = 200, error: str | None = None):
    db, user = get_session(), ui_user()
    page, per_page = page_args()
    rows, total = incidents.list_incidents(db, user, open_only=True, offset=(page - 1) * per_page, limit=per_page)
    return render_template(
        "ui/incidents.html", title="Störungen", incidents=rows, total=total, page=page, per_page=per_page,
        pages=max(1, -(-total // per_page)), error=error,
        cases=services.cases_by_id(db, user, {i.case_id for i in rows if i.case_id}),
    ), status
