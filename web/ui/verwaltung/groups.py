"""Administration of groups: create, rename, members, and which lanes (candidate groups) of the models they serve,
with a warning for lanes no group serves."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import groups as engine_groups
from engine.errors import EngineError
from engine.models import User
from processes.administration import groups as admin_groups
from web.database import get_session
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.verwaltung.common import refusal

bp = Blueprint("ui_admin_groups", __name__, url_prefix="/ui/verwaltung/gruppen")
register_error_pages(bp)

FIELDS = {"name", "bahnen", "weitere", "mitglieder", "_form"}


@bp.get("")
@login_required("admin")
def index():
    """List the groups and the lanes of the deployed models, warning about lanes nobody serves."""
    db, actor = get_session(), ui_user()
    return render_template("ui/verwaltung/gruppen.html", title="Gruppen",
                           groups=engine_groups.list_groups(db, actor.authority_id),
                           counts=engine_groups.member_counts(db, actor.authority_id),
                           lanes=engine_groups.model_groups(db, actor.authority_id))


@bp.route("/neu", methods=["GET", "POST"])
@login_required("admin")
def create():
    """Create a group with the lanes it serves and its members."""
    db, actor, errors = get_session(), ui_user(), {}
    values = {"name": "", "bahnen": [], "weitere": "", "mitglieder": []}
    if request.method == "POST":
        values = _entered(request.form)
        if not values["name"]:
            errors["name"] = "Bitte geben Sie einen Namen ein."
        if not errors:
            lanes = _lanes(values)
            try:
                group = admin_groups.create_group(db, actor, values["name"], lanes or None, values["mitglieder"])
            except EngineError as exc:
                refusal(exc, errors, FIELDS)
            else:
                flash(f"Die Gruppe „{group.name}“ ist angelegt.")
                return redirect(url_for(".index"))
    return _form_page(None, values, errors)


@bp.route("/<group_id>", methods=["GET", "POST"])
@login_required("admin")
def edit(group_id):
    """Rename a group, change the lanes it serves and its members."""
    db, actor, errors = get_session(), ui_user(), {}
    group = admin_groups.get_group(db, actor, group_id)
    if request.method == "POST":
        values = _entered(request.form)
        if not values["name"]:
            errors["name"] = "Bitte geben Sie einen Namen ein."
        if not errors:
            try:
                admin_groups.update_group(db, actor, group, name=values["name"], candidate_groups=_lanes(values),
                                          member_ids=values["mitglieder"])
            except EngineError as exc:
                db.rollback()
                group = admin_groups.get_group(db, actor, group_id)
                refusal(exc, errors, FIELDS)
            else:
                flash(f"Die Gruppe „{group.name}“ ist gespeichert.")
                return redirect(url_for(".index"))
    else:
        values = {"name": group.name, "bahnen": list(group.candidate_groups), "weitere": "",
                  "mitglieder": [u.id for u in engine_groups.members_of(db, group)]}
    return _form_page(group, values, errors)


def _entered(form) -> dict:
    return {"name": form.get("name", "").strip(), "bahnen": form.getlist("bahnen"),
            "weitere": form.get("weitere", "").strip(), "mitglieder": form.getlist("mitglieder")}


def _lanes(values: dict) -> list[str]:
    extra = [name.strip() for name in values["weitere"].split(",") if name.strip()]
    return sorted({*values["bahnen"], *extra})


def _form_page(group, values, errors):
    db, actor = get_session(), ui_user()
    known = {m.name for m in engine_groups.model_groups(db, actor.authority_id)}
    lanes = sorted(known | set(values["bahnen"]) | set(group.candidate_groups if group else []), key=str.lower)
    people = db.scalars(select(User).where(User.authority_id == actor.authority_id)
                        .order_by(User.active.desc(), User.display_name))
    return render_template(
        "ui/verwaltung/gruppe.html", title=f"Gruppe {group.name}" if group else "Neue Gruppe", group=group,
        values=values, errors=errors, lane_options=[(name, name) for name in lanes],
        member_options=[(u.id, f"{u.display_name} ({u.username}){'' if u.active else ', deaktiviert'}")
                        for u in people],
    ), 422 if errors else 200
