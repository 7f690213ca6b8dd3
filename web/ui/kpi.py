"""KPI page: cases per week, lead times, waiting vs working time, overdue tasks, digital intake."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request

from engine import kpi
from web.database import get_session
from web.engine_context import engine_context
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_kpi", __name__, url_prefix="/ui/aufsicht")
register_error_pages(bp)


@bp.get("/kennzahlen")
@login_required("supervisor")
def index():
    """Show the key figures of the authority for a period (default: the last 12 weeks)."""
    now = engine_context().clock()
    since, until = kpi.default_period(now)
    error = None
    try:
        if request.args.get("von"):
            since = datetime.combine(date.fromisoformat(request.args["von"]), time(0), tzinfo=timezone.utc)
        if request.args.get("bis"):
            until = datetime.combine(date.fromisoformat(request.args["bis"]), time(0), tzinfo=timezone.utc) + timedelta(days=1)
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31
        error = "Bitte gültige Daten für den Zeitraum eingeben."
    report = kpi.report(get_session(), ui_user().authority_id, since, until, now)
    return render_template("ui/kpi.html", title="Kennzahlen", report=report, error=error,
                           max_week=max([w.started for w in report.weeks] + [w.closed for w in report.weeks] + [1]),
                           max_hours=max([t.waiting_hours + t.working_hours for t in report.task_times] + [0.01]),
                           until_day=(until - timedelta(days=1)).date()), 422 if error else 200
