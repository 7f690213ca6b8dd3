"""REST resource: supervisor operations on cases (suspend, resume, cancel with a reason)."""

from engine import runner
from processes import casework
from web.api.blueprint import Blueprint
from web.api.schemas.background import CaseOperationSchema
from web.api.schemas.cases import CaseSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("case_operations", __name__, url_prefix="/api/v1/cases", description="Suspend, resume, cancel cases")

_OPERATIONS = {"suspend": runner.suspend_case, "resume": runner.resume_case, "cancel": runner.cancel_case}


def _operate(action: str, case_id: str, reason: str):
    session = get_session()
    case = _OPERATIONS[action](session, engine_context(), case_id, current_user(), reason)
    case.open_tasks = casework.open_tasks_of(session, case)
    return case


@blp.route("/<case_id>/suspend", methods=["POST"])
@api_auth("supervisor")
@blp.arguments(CaseOperationSchema)
@blp.response(200, CaseSchema)
def suspend(body, case_id):
    """Suspend a running case: no task can be completed and no background job runs."""
    return _operate("suspend", case_id, body["reason"])


@blp.route("/<case_id>/resume", methods=["POST"])
@api_auth("supervisor")
@blp.arguments(CaseOperationSchema)
@blp.response(200, CaseSchema)
def resume(body, case_id):
    """Resume a suspended case."""
    return _operate("resume", case_id, body["reason"])


@blp.route("/<case_id>/cancel", methods=["POST"])
@api_auth("supervisor")
@blp.arguments(CaseOperationSchema)
@blp.response(200, CaseSchema)
def cancel(body, case_id):
    """Cancel a case: open tasks, waiting jobs and kept messages end."""
    return _operate("cancel", case_id, body["reason"])
