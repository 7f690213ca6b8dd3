"""Online-Eingänge: what came in through FIT-Connect, for the authority's clerks, supervisors and administrators.

Every submission the worker fetched is listed, newest first: an accepted one
with the case it became (and the reply channel the applicant chose, with the
notices sent back through it), a rejected one with the reasons the online
service was given. The list can be narrowed to accepted or rejected ones.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from processes.fitconnect.received import STATUSES, received_submissions
from web.database import get_session
from web.engine_context import online_services
from web.ui.common import login_required, page_args, register_error_pages, ui_user
from web.ui.services import procedure_names

bp = Blueprint("ui_online_intake", __name__, url_prefix="/ui/online-eingaenge")
register_error_pages(bp)

REPLY_STATES = {"pending": "wartet auf den Versand", "announced": "wird gesendet", "submitted": "gesendet"}


@bp.get("")
@login_required("clerk", "supervisor", "admin")
def index():
    """List the submissions received through FIT-Connect."""
    db, user = get_session(), ui_user()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    page, per_page = page_args()
    listed, total = received_submissions(db, user.authority_id, status=status or None,
                                         offset=(page - 1) * per_page, limit=per_page)
    access = online_services().fitconnect.authorities.get(user.authority.slug)
    services = {}
    for destination in (access.destinations if access else ()):
        services.update(destination.services)
    return render_template(
        "ui/online_eingaenge.html", title="Online-Eingänge", listed=listed, total=total, page=page,
        pages=max(1, -(-total // per_page)), status=status, statuses=STATUSES, reply_states=REPLY_STATES,
        procedure_names=procedure_names(db, user), services=services, configured=access is not None,
        may_open_cases=user.has_role("clerk", "supervisor"), params={"status": status} if status else {},
    )
