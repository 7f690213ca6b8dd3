"""The clerk's inbox: my tasks and my groups' tasks, with filters, sorting and paging."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request

from engine import inbox as inbox_queries
from engine.inbox import TaskFilter
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_inbox", __name__, url_prefix="/ui")
register_error_pages(bp)

SCOPES = {"all_mine": "Meine und Gruppenaufgaben", "mine": "Mir zugewiesen", "groups": "Offen in meinen Gruppen"}
SORTS = {"due_at": "Fälligkeit (früheste zuerst)", "-priority": "Priorität (höchste zuerst)",
         "priority": "Priorität (niedrigste zuerst)", "-due_at": "Fälligkeit (späteste zuerst)"}


@bp.get("/aufgaben")
@login_required()
def inbox():
    """List the tasks the user may work on."""
    user, db, now = ui_user(), get_session(), engine_context().clock()
    args = request.args
    scope = args.get("bereich", "all_mine")
    if scope == "authority" and user.has_role("supervisor"):
        scopes = {**SCOPES, "authority": "Alle Aufgaben der Behörde"}
    else:
        scopes = SCOPES
        scope = scope if scope in SCOPES else "all_mine"
    sort = args.get("sortierung", "due_at")
    sort = sort if sort in SORTS else "due_at"
    due = args.get("faellig", "")
    week_end = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(weeks=1)
    flt = TaskFilter(
        scope=scope, process_key=args.get("verfahren") or None, overdue=due == "ueberfaellig",
        text=(args.get("suche") or "").strip() or None, due_before=week_end if due == "woche" else None,
    )
    page, per_page = page_args()
    result = inbox_queries.list_tasks(db, user, flt, now, sort=sort, page=page, per_page=per_page)
    pages = max(1, -(-result.total // per_page))
    total = result.total
    if result.total_capped:  # more tasks than counted: say so, and keep the next page reachable
        total, pages = f"mehr als {result.total:,}".replace(",", "."), max(pages, page + 1)
    return render_template(
        "ui/inbox.html", title="Aufgaben", tasks=result.items, total=total, page=page, per_page=per_page,
        pages=pages, now=now, scopes=scopes, sorts=SORTS, scope=scope, sort=sort, due=due,
        procedures=services.procedures(db, user),
        params={k: v for k, v in args.items() if k != "seite"},
    )
