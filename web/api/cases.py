"""REST resource: cases (start, show, history)."""

from eakte import audit
from engine.case_list import CaseFilter, list_cases
from processes import casefile, casework
from web.api.blueprint import Blueprint
from web.api.schemas.cases import (
    CaseCreateSchema, CasePageSchema, CaseQuerySchema, CaseSchema, HistoryPageSchema, HistoryQuerySchema,
)
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Start, find and read cases")


@blp.route("", methods=["GET"])
@api_auth()
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def find_cases(query):
    """List my authority's cases, newest first: by process, state, business key, start time, calling or starting case."""
    page, per_page = query.pop("page"), query.pop("per_page")
    flt = CaseFilter(status=query.pop("state", None), **query)
    items, total = list_cases(get_session(), current_user().authority_id, flt, page=page, per_page=per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@blp.route("", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
def start_case(body):
    """Start a case of the newest version of a process."""
    session = get_session()
    case = casework.start_case(
        session, engine_context(), current_user(), body["process_key"], body["data"],
        business_key=body.get("business_key"), subject=body.get("subject"),
    )
    case.open_tasks = casework.open_tasks_of(session, case)
    return case


@blp.route("/<case_id>", methods=["GET"])
@api_auth()
@blp.response(200, CaseSchema)
def get_case(case_id):
    """Show a case with its data and open tasks (the view is logged: case data is personal data)."""
    session = get_session()
    case = casefile.view_case(session, current_user(), case_id)
    case.open_tasks = casework.open_tasks_of(session, case)
    return case


@blp.route("/<case_id>/history", methods=["GET"])
@api_auth()
@blp.arguments(HistoryQuerySchema, location="query")
@blp.response(200, HistoryPageSchema)
def get_history(query, case_id):
    """Page through everything that happened to a case, oldest first."""
    session = get_session()
    case = casework.get_case(session, current_user(), case_id)
    page, per_page = query["page"], query["per_page"]
    events, total = audit.history(session, case.id, offset=(page - 1) * per_page, limit=per_page)
    return {"items": events, "page": page, "per_page": per_page, "total": total}
