"""The inbox view "Vertretung": tasks of absent colleagues one stands in for, and (supervisors) tasks of absent
colleagues nobody stands in for."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request

from engine import substitutions
from engine.models import User, UserTask
from web.database import get_session
from web.engine_context import engine_context
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_vertretung", __name__, url_prefix="/ui/vertretung")
register_error_pages(bp)

UNATTENDED = "ohne"


@bp.get("")
@login_required("clerk", "supervisor")
def index():
    """List the tasks I may work in Vertretung (one tab per absent colleague) and, for supervisors, unattended ones."""
    db, user, now = get_session(), ui_user(), engine_context().clock()
    coverages = substitutions.coverage_of(db, user, now)
    supervisor = user.has_role("supervisor")
    chosen = request.args.get("fuer", "")
    if chosen == UNATTENDED and supervisor:
        rows, heading = substitutions.unattended_tasks(db, user.authority_id, now), "Abwesende ohne Vertretung"
    else:
        absent = next((c.absent for c in coverages if c.absent.id == chosen), None) or (
            coverages[0].absent if coverages else None)
        chosen = absent.id if absent else ""
        rows = substitutions.substitution_tasks(db, user, now, absent.id) if absent else []
        heading = f"Vertretung für {absent.display_name}" if absent else "Vertretung"
    return render_template("ui/vertretung.html", title=heading, heading=heading, rows=rows, coverages=coverages,
                           chosen=chosen, supervisor=supervisor, unattended=UNATTENDED, now=now)


def absent_for_task(session, user: User, task: UserTask, now: datetime) -> User | None:
    """Return the absent colleague ``user`` may work ``task`` for in Vertretung right now, or None."""
    if task.status != "open" or task.assignee_id in (None, user.id):
        return None
    for coverage in substitutions.coverage_of(session, user, now):
        if coverage.absent.id == task.assignee_id and coverage.covers(task.candidate_group):
            return coverage.absent
    return None


def substitution_summary() -> dict:
    """For the inbox's tabs: whom the user stands in for now, and whether they see unattended tasks."""
    user = ui_user()
    if user is None:
        return {"absent": [], "supervisor": False}
    absent = substitutions.absent_colleagues(get_session(), user, engine_context().clock())
    return {"absent": absent, "supervisor": user.has_role("supervisor")}
