"""The clerk's inbox: my tasks and my groups' tasks, with filters, sortable columns, paging and saved filters."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import inbox as inbox_queries
from engine import inbox_filters
from engine.errors import InvalidData
from engine.inbox import TaskFilter
from web.database import get_session
from web.engine_context import engine_context
from web.ui import services
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_inbox", __name__, url_prefix="/ui")
register_error_pages(bp)

SCOPES = {"all_mine": "Meine und Gruppenaufgaben", "mine": "Mir zugewiesen", "groups": "Offen in meinen Gruppen"}
# Sortable columns: query value -> (header, direction of the first click). Due dates and names start ascending,
# priority with the highest.
COLUMNS = {"name": ("Aufgabe", ""), "business_key": ("Aktenzeichen", ""), "subject": ("Betreff", ""),
           "priority": ("Priorität", "-"), "due_at": ("Fällig am", ""), "follow_up_at": ("Wiedervorlage", "")}
SORTS = {f"{direction}{key}" for key in COLUMNS for direction in ("", "-")}
DEFAULT_SORT = "due_at"
# The query parameters a saved filter keeps (not the page).
FILTER_PARAMS = ("bereich", "verfahren", "faellig", "suche", "sortierung")


@bp.get("/aufgaben")
@login_required()
def inbox():
    """List the tasks the user may work on."""
    return _inbox_page()


@bp.post("/aufgaben/filter")
@login_required()
def save_filter():
    """Save the inbox's current filters under a name (personal)."""
    db, user = get_session(), ui_user()
    query = {key: request.form.get(key, "").strip() for key in FILTER_PARAMS if request.form.get(key, "").strip()}
    name = " ".join(request.form.get("filtername", "").split())
    problem = None
    if not name:
        problem = "Bitte geben Sie dem Filter einen Namen."
    elif len(name) > inbox_filters.NAME_LENGTH:
        problem = f"Bitte höchstens {inbox_filters.NAME_LENGTH} Zeichen eingeben."
    elif any(len(value) > inbox_filters.VALUE_LENGTH for value in query.values()):
        problem = f"Ein Suchbegriff hat mehr als {inbox_filters.VALUE_LENGTH} Zeichen; so lässt sich der Filter nicht speichern."
    else:
        try:
            inbox_filters.save_filter(db, user, name, query)
        except InvalidData:  # the only refusal left: too many filters
            problem = (f"Sie können höchstens {inbox_filters.MAX_FILTERS} Filter speichern. Löschen Sie bitte zuerst "
                       "einen gespeicherten Filter.")
    if problem:
        return _inbox_page(query, filter_error=problem, filter_name=name, status=422)
    flash(f"Filter „{name}“ gespeichert.")
    return redirect(url_for(".inbox", **query))


@bp.post("/aufgaben/filter/<filter_id>/loeschen")
@login_required()
def delete_filter(filter_id):
    """Delete one of the user's saved filters."""
    row = inbox_filters.delete_filter(get_session(), ui_user(), filter_id)
    flash(f"Filter „{row.name}“ gelöscht.")
    return redirect(url_for(".inbox"))


def _inbox_page(args=None, filter_error: str | None = None, filter_name: str = "", status: int = 200):
    user, db, now = ui_user(), get_session(), engine_context().clock()
    args = request.args if args is None else args
    scope = args.get("bereich", "all_mine")
    scopes = {**SCOPES, "authority": "Alle Aufgaben der Behörde"} if user.has_role("supervisor") else SCOPES
    scope = scope if scope in scopes else "all_mine"
    sort = args.get("sortierung", DEFAULT_SORT)
    sort = sort if sort in SORTS else DEFAULT_SORT
    due = args.get("faellig", "")
    text = (args.get("suche") or "").strip()[:100] or None
    week_end = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(weeks=1)
    flt = TaskFilter(
        scope=scope, process_key=args.get("verfahren") or None, overdue=due == "ueberfaellig", text=text,
        due_before=week_end if due == "woche" else None,
    )
    page, per_page = page_args()
    result = inbox_queries.list_tasks(db, user, flt, now, sort=sort, page=page, per_page=per_page)
    pages = max(1, -(-result.total // per_page))
    total = result.total
    if result.total_capped:  # more tasks than counted: say so, and keep the next page reachable
        total, pages = f"mehr als {result.total:,}".replace(",", "."), max(pages, page + 1)
    params = {k: v for k, v in args.items() if k != "seite"}
    names = services.procedure_names(db, user)
    return render_template(
        "ui/inbox.html", title="Aufgaben", tasks=result.items, total=total, page=page, per_page=per_page,
        pages=pages, now=now, scopes=scopes, scope=scope, sort=sort, due=due, columns=_columns(params, sort),
        procedures=services.procedures(db, user, names), procedure_names=names,
        suspended=services.suspended_cases(db, result.items),
        params=params, saved_filters=_saved(db, user, params), filter_error=filter_error, filter_name=filter_name,
        filter_params=FILTER_PARAMS,
    ), status


def _columns(params: dict, sort: str) -> dict[str, dict]:
    """Return per sortable column its header, the link that sorts by it, and its ``aria-sort`` value."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    columns = {}
    for key, (header, first) in COLUMNS.items():
        if key == current:
            target = key if descending else f"-{key}"
            state = "descending" if descending else "ascending"
        else:
            target, state = f"{first}{key}", None
        query = {**params, "sortierung": target}
        columns[key] = {"header": header, "url": url_for(".inbox") + "?" + urlencode(query), "aria_sort": state}
    return columns


def _saved(db, user, params: dict) -> list[dict]:
    """Return the user's saved filters with their links and whether one is the filter shown now."""
    shown = {k: v for k, v in params.items() if k in FILTER_PARAMS and v}
    return [{"id": row.id, "name": row.name, "url": url_for(".inbox") + ("?" + urlencode(row.query) if row.query else ""),
             "current": row.query == shown}
            for row in inbox_filters.filters_of(db, user)]
