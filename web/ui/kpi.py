"""KPI page: cases per week, lead times, waiting vs working time, overdue tasks, digital intake."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request

from engine import kpi
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
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
    db, user = get_session(), ui_user()
    report = kpi.report(db, user.authority_id, since, until, now)
    return render_template("ui/kpi.html", title="Kennzahlen", report=report, error=error,
                           procedure_names=services.procedure_names(db, user),
                           task_names=services.task_names(db, user, {t.process_key for t in report.task_times}),
                           max_week=bar_scale([w.started for w in report.weeks] + [w.closed for w in report.weeks], 5),
                           max_hours=bar_scale([t.waiting_hours + t.working_hours for t in report.task_times], 1),
                           until_day=(until - timedelta(days=1)).date()), 422 if error else 200


def bar_scale(values: list[float], at_least: float) -> float:
    """Return the value a full-width bar stands for: a round number (1, 2, 5 times a power of ten) not below the
    largest value nor ``at_least``, so that a tiny value never fills the width."""
    top = max([*values, at_least])
    magnitude = 1.0
    while magnitude * 10 <= top:
        magnitude *= 10
    while magnitude > top:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude
