"""REST resource: absences and substitutes (Vertretung), and the tasks one may work in Vertretung."""

from engine import substitutions
from engine.groups import user_ids_by_name
from engine.models import User
from processes.administration import absences
from web.api.blueprint import Blueprint
from web.api.schemas.organisation import (
    AbsenceCreateSchema, AbsenceQuerySchema, AbsenceSchema, SubstitutionTaskSchema,
)
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import engine_context

blp = Blueprint("substitutions", __name__, url_prefix="/api/v1/substitutions",
                description="Absences and substitutes (Vertretung)")


def _user(session, actor, username):
    [user_id] = user_ids_by_name(session, actor.authority_id, [username])
    return session.get(User, user_id)


@blp.route("", methods=["GET"])
@api_auth()
@blp.arguments(AbsenceQuerySchema, location="query")
@blp.response(200, AbsenceSchema(many=True))
def list_absences(query):
    """List current and future absences: all of my authority (supervisors, admins), else mine and those I cover."""
    return absences.list_absences(get_session(), current_user(), engine_context().clock(), query["include_past"])


@blp.route("", methods=["POST"])
@api_auth()
@blp.arguments(AbsenceCreateSchema)
@blp.response(201, AbsenceSchema)
def create_absence(body):
    """Record an absence (my own; supervisors and admins anyone's) with a substitute or none."""
    session, actor = get_session(), current_user()
    user = _user(session, actor, body["user"]) if body.get("user") else actor
    substitute = _user(session, actor, body["substitute"]) if body["substitute"] else None
    return absences.set_absence(session, actor, user, substitute=substitute, starts_on=body["starts_on"],
                                ends_on=body["ends_on"], groups=body["groups"], now=engine_context().clock())


@blp.route("/tasks", methods=["GET"])
@api_auth()
@blp.response(200, SubstitutionTaskSchema(many=True))
def tasks_in_substitution():
    """List the open tasks I may claim or complete in Vertretung (pass ``on_behalf_of`` to claim or complete)."""
    rows = substitutions.substitution_tasks(get_session(), current_user(), engine_context().clock())
    for task, absent in rows:
        task.on_behalf_of = absent.username
    return [task for task, _ in rows]


@blp.route("/<absence_id>", methods=["GET"])
@api_auth()
@blp.response(200, AbsenceSchema)
def get_absence(absence_id):
    """Show an absence (mine, one I cover, or any for supervisors and admins)."""
    return absences.get_absence(get_session(), current_user(), absence_id)


@blp.route("/<absence_id>/end", methods=["POST"])
@api_auth()
@blp.response(200, AbsenceSchema)
@blp.alt_response(422, description="the absence has ended already")
def end_absence(absence_id):
    """End an absence now (a future one is cancelled); the record stays."""
    session, actor = get_session(), current_user()
    return absences.end_absence(session, actor, absences.get_absence(session, actor, absence_id),
                                engine_context().clock())
