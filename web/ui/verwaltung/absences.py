"""Absences and substitutes of the whole authority, for supervisors and administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.errors import EngineError
from engine.models import User
from processes.administration import absences
from web.database import get_session
from web.engine_context import engine_context
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.verwaltung import absence_form
from web.ui.verwaltung.common import DATE_HINT, refusal

bp = Blueprint("ui_admin_absences", __name__, url_prefix="/ui/verwaltung/vertretungen")
register_error_pages(bp)


@bp.get("")
@login_required("admin", "supervisor")
def index():
    """List current and future absences of the authority and offer the form to enter one."""
    return _page()


@bp.post("")
@login_required("admin", "supervisor")
def add():
    """Record an absence of a colleague, with a substitute or none."""
    entered, errors = absence_form.submit(get_session(), ui_user(), request.form, engine_context().clock(),
                                          for_someone=True)
    if errors:
        return _page(errors, entered, 422)
    flash("Die Abwesenheit ist eingetragen.")
    return redirect(url_for(".index"))


@bp.post("/<absence_id>/beenden")
@login_required("admin", "supervisor")
def end(absence_id):
    """End an absence now (a future one is cancelled)."""
    db, actor = get_session(), ui_user()
    try:
        absences.end_absence(db, actor, absences.get_absence(db, actor, absence_id), engine_context().clock())
    except EngineError as exc:
        if exc.status == 404:
            raise
        return _page(refusal(exc, {}, {"_form"}), status=422)
    flash("Die Abwesenheit ist beendet.")
    return redirect(url_for(".index"))


def _page(errors=None, entered=None, status=200):
    db, actor, now = get_session(), ui_user(), engine_context().clock()
    people = list(db.scalars(select(User).where(User.authority_id == actor.authority_id, User.active)
                             .order_by(User.display_name)))
    lanes = sorted({g for u in people for g in (u.groups or [])}, key=str.lower)
    return render_template(
        "ui/verwaltung/vertretungen.html", title="Abwesenheiten und Vertretungen",
        rows=absences.list_absences(db, actor, now), period=absence_form.describe_period, now=now,
        errors=errors or {}, entered=entered or absence_form.AbsenceForm(), date_hint=DATE_HINT,
        person_options=[(u.username, f"{u.display_name} ({u.username})") for u in people],
        substitute_options=[(u.username, f"{u.display_name} ({u.username})")
                            for u in absence_form.substitutes_for(db, actor)],
        group_options=[(g, g) for g in lanes],
    ), status
