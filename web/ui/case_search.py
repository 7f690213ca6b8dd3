"""Case search for clerks and supervisors: Aktenzeichen, subject or applicant, procedure, status, dates, clerk.

A clerk answering an applicant's call finds the case here even while it has no
open task (it waits for documents, a fee or another authority). Opening a
case from the result is logged like every view of a case (``case.viewed``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request

from engine.legal_time import LEGAL_TIME
from web.database import get_session
from web.ui import services
from web.ui.cases import STATUS_LABELS
from web.ui.common import login_required, page_args, register_error_pages, ui_user

bp = Blueprint("ui_case_search", __name__, url_prefix="/ui")
register_error_pages(bp)


@bp.get("/aktensuche")
@login_required("clerk", "supervisor")
def search():
    """Search the authority's cases."""
    db, user, args = get_session(), ui_user(), request.args
    errors: dict[str, str] = {}
    started_from = _day(args.get("von"), "von", errors)
    started_until = _day(args.get("bis"), "bis", errors, next_day=True)
    query = services.CaseQuery(
        text=(args.get("suche") or "").strip()[:100] or None,
        process_key=args.get("verfahren") or None,
        status=args.get("status") if args.get("status") in STATUS_LABELS else None,
        started_from=started_from,
        started_until=started_until,
        clerk=(args.get("bearbeitung") or "").strip() or None,
    )
    page, per_page = page_args()
    cases, total = ([], 0) if errors else services.search_cases(db, user, query, page, per_page)
    return render_template(
        "ui/case_search.html", title="Aktensuche", cases=cases, total=total, page=page, per_page=per_page,
        pages=max(1, -(-total // per_page)), errors=errors, args=args, status_labels=STATUS_LABELS,
        procedures=services.procedures(db, user),
        clerks=[(u.username, u.display_name) for u in services.colleagues(db, user)],
        params={k: v for k, v in args.items() if k != "seite"},
    ), 422 if errors else 200


def _day(raw: str | None, name: str, errors: dict[str, str], next_day: bool = False) -> datetime | None:
    """Return the start of the German day ``raw`` (of the day after it with ``next_day``), or note a German error."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) + timedelta(days=1 if next_day else 0)
        return datetime.combine(day, time(0), tzinfo=LEGAL_TIME).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31, or 1 January 1 in UTC
        errors[name] = "Bitte ein gültiges Datum eingeben."
        return None
