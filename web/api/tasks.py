"""REST resource: human tasks (inbox, claim, unclaim, complete)."""

from flask_smorest import abort

from engine import inbox, runner
from engine.forms import client_schema, form_of
from engine.inbox import TaskFilter
from processes import casework, handover
from web.api.blueprint import Blueprint
from web.api.schemas.cases import CaseSchema
from web.api.schemas.tasks import (
    TaskClaimSchema, TaskCompleteSchema, TaskDetailSchema, TaskPageSchema, TaskQuerySchema, TaskSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="The task inbox")


@blp.route("", methods=["GET"])
@api_auth()
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
def list_tasks(query):
    """List my tasks and my groups' tasks, with filters, sorting and paging."""
    user = current_user()
    if query["scope"] == "authority" and not user.has_role("supervisor"):
        abort(403, message="only supervisors may list all tasks of the authority")
    flt = TaskFilter(
        scope=query["scope"], process_key=query.get("procedure"), overdue=query["overdue"],
        status=query["status"], text=query.get("q"),
    )
    ctx = engine_context()
    result = inbox.list_tasks(
        get_session(), user, flt, ctx.clock(), sort=query["sort"], page=query["page"], per_page=query["per_page"]
    )
    return {"items": result.items, "page": query["page"], "per_page": query["per_page"], "total": result.total,
            "total_capped": result.total_capped}


@blp.route("/<task_id>", methods=["GET"])
@api_auth()
@blp.response(200, TaskDetailSchema)
def get_task(task_id):
    """Show a task with its form schema."""
    session = get_session()
    task = casework.get_task(session, current_user(), task_id)
    task.form_schema = client_schema(form_of(engine_context().forms, casework.get_case(session, current_user(),
                                                                                       task.case_id).definition,
                                             task.bpmn_id))
    return task


@blp.route("/<task_id>/claim", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(TaskClaimSchema)
@blp.response(200, TaskSchema)
def claim(body, task_id):
    """Claim a task, or hand it to a colleague (409 while the case is suspended)."""
    session, user = get_session(), current_user()
    absent = casework.find_user(session, user.authority_id, body["on_behalf_of"]) if body.get("on_behalf_of") else None
    if body.get("assignee") and absent is None:
        task, _, _ = handover.hand_over(session, engine_context(), user, task_id, body["assignee"], body["add_to_group"])
        return task
    return runner.claim_task(session, engine_context(), task_id, user, on_behalf_of=absent)


@blp.route("/<task_id>/unclaim", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.response(200, TaskSchema)
def unclaim(task_id):
    """Give a task back to its group."""
    return runner.unclaim_task(get_session(), engine_context(), task_id, current_user())


@blp.route("/<task_id>/complete", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(TaskCompleteSchema)
@blp.response(200, CaseSchema)
def complete(body, task_id):
    """Complete a task with the form's data; answers with the case as it is afterwards."""
    session, user = get_session(), current_user()
    absent = casework.find_user(session, user.authority_id, body["on_behalf_of"]) if body.get("on_behalf_of") else None
    case = runner.complete_task(session, engine_context(), task_id, user, body["data"], on_behalf_of=absent)
    case.open_tasks = casework.open_tasks_of(session, case)
    return case
