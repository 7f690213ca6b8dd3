"""The file plan (Aktenplan) in the administration: units (code, title, retention, A/B/V, confidentiality) and which
unit new cases of each procedure are filed under. Units are never deleted; every change is logged."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from eakte import aktenplan
from eakte.errors import EakteError
from eakte.models import FilePlanUnit
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS, DISPOSAL_CODES
from engine import definitions
from engine.errors import EngineError
from processes.administration import file_plan as plan_changes
from web.database import get_session
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.verwaltung.common import CONFIDENTIALITY_LABELS, DISPOSAL_LABELS, refusal

bp = Blueprint("ui_admin_file_plan", __name__, url_prefix="/ui/verwaltung/aktenplan")
register_error_pages(bp)

FIELDS = {"kennzeichen", "titel", "aufbewahrung", "aussonderung", "vertraulichkeit", "verfahren", "einheit", "_form"}
_YEARS = re.compile(r"^\s*(\d{1,3})\s*(Jahre?)?\s*$")


@bp.get("")
@login_required("admin")
def index():
    """Show the units and the procedure mapping."""
    return _index_page()


@bp.post("/zuordnung")
@login_required("admin")
def map_process():
    """File new cases of a procedure under a unit."""
    db, actor = get_session(), ui_user()
    process_key, unit_id = request.form.get("verfahren", "").strip(), request.form.get("einheit", "")
    errors = {}
    if not process_key:
        errors["verfahren"] = "Bitte wählen Sie ein Verfahren."
    unit = _unit(db, actor, unit_id) if unit_id else None
    if unit is None:
        errors["einheit"] = "Bitte wählen Sie eine Einheit des Aktenplans."
    if not errors:
        try:
            plan_changes.map_process(db, actor, process_key, unit.code)
        except (EngineError, EakteError) as exc:
            refusal(exc, errors, FIELDS)
    if errors:
        return _index_page(errors, {"verfahren": process_key, "einheit": unit_id}, 422)
    flash(f"Neue Vorgänge von „{'alle übrigen Verfahren' if process_key == '*' else process_key}“ kommen in "
          f"{unit.code} {unit.title}.")
    return redirect(url_for(".index") + "#zuordnung")


@bp.route("/neu", methods=["GET", "POST"])
@login_required("admin")
def create():
    """Add a unit."""
    return _unit_form(None)


@bp.route("/<unit_id>", methods=["GET", "POST"])
@login_required("admin")
def edit(unit_id):
    """Change a unit's title, retention, disposal code or confidentiality (its code stays)."""
    unit = _unit(get_session(), ui_user(), unit_id)
    if unit is None:
        return render_template("ui/error.html", title="Nicht gefunden",
                               message="Diese Einheit gibt es im Aktenplan Ihrer Behörde nicht."), 404
    return _unit_form(unit)


def _unit_form(unit: FilePlanUnit | None):
    db, actor, errors = get_session(), ui_user(), {}
    if request.method == "POST":
        form = request.form
        values = {"kennzeichen": unit.code if unit else form.get("kennzeichen", "").strip(),
                  "titel": form.get("titel", "").strip(), "aufbewahrung": form.get("aufbewahrung", "").strip(),
                  "dauernd": bool(form.get("dauernd")), "aussonderung": form.get("aussonderung", ""),
                  "vertraulichkeit": form.get("vertraulichkeit", "")}
        entry = _entry(values, errors)
        if not errors:
            try:
                saved = plan_changes.save_unit(db, actor, entry, new=unit is None)
            except (EngineError, EakteError) as exc:
                db.rollback()
                refusal(exc, errors, FIELDS)
            else:
                flash(f"Die Einheit {saved.code} „{saved.title}“ ist gespeichert.")
                return redirect(url_for(".index"))
    elif unit is not None:
        values = {"kennzeichen": unit.code, "titel": unit.title, "aufbewahrung": str(unit.retention_years or ""),
                  "dauernd": unit.retention_years is None, "aussonderung": unit.disposal_code,
                  "vertraulichkeit": unit.confidentiality}
    else:
        values = {"kennzeichen": "", "titel": "", "aufbewahrung": "", "dauernd": False, "aussonderung": "",
                  "vertraulichkeit": "intern"}
    return render_template(
        "ui/verwaltung/aktenplan_einheit.html", title=f"Einheit {unit.code}" if unit else "Neue Einheit", unit=unit,
        values=values, errors=errors, disposal_options=[(c, DISPOSAL_LABELS[c]) for c in DISPOSAL_CODES],
        confidentiality_options=[(c, CONFIDENTIALITY_LABELS[c]) for c in CONFIDENTIALITY_LEVELS],
    ), 422 if errors else 200


def _entry(values: dict, errors: dict) -> dict:
    if not values["kennzeichen"]:
        errors["kennzeichen"] = "Bitte geben Sie das Kennzeichen ein, zum Beispiel 63.01."
    if not values["titel"]:
        errors["titel"] = "Bitte geben Sie den Titel der Einheit ein."
    years = "permanent"
    if not values["dauernd"]:
        match = _YEARS.match(values["aufbewahrung"])
        if not match or not 1 <= int(match[1]) <= 500:
            errors["aufbewahrung"] = ("Bitte geben Sie die Aufbewahrungsfrist in Jahren an (1 bis 500) oder kreuzen "
                                      "Sie „dauernd aufbewahren“ an.")
        else:
            years = int(match[1])
    if values["aussonderung"] not in DISPOSAL_CODES:
        errors["aussonderung"] = "Bitte wählen Sie, was am Ende der Aufbewahrung geschieht: A, B oder V."
    if values["vertraulichkeit"] not in CONFIDENTIALITY_LEVELS:
        errors["vertraulichkeit"] = "Bitte wählen Sie eine Vertraulichkeitsstufe."
    return {"code": values["kennzeichen"], "title": values["titel"], "retention_years": years,
            "disposal": values["aussonderung"], "confidentiality": values["vertraulichkeit"]}


def _unit(db, actor, unit_id: str) -> FilePlanUnit | None:
    return db.scalar(select(FilePlanUnit).where(FilePlanUnit.id == unit_id,
                                                FilePlanUnit.authority_id == actor.authority_id))


def _index_page(errors=None, values=None, status=200):
    db, actor = get_session(), ui_user()
    plan = aktenplan.describe_plan(db, actor.authority_id)
    deployed = {d.key for d in definitions.list_definitions(db, actor.authority_id)}
    keys = sorted((deployed | set(plan["processes"])) - {"*"})
    return render_template(
        "ui/verwaltung/aktenplan.html", title="Aktenplan", units=plan["units"], mappings=plan["processes"],
        by_code={u.code: u for u in plan["units"]}, errors=errors or {}, values=values or {},
        process_options=[("*", "alle übrigen Verfahren (*)")] + [(k, k) for k in keys],
        unit_options=[(u.id, f"{u.code} {u.title}") for u in plan["units"]], disposal_labels=DISPOSAL_LABELS,
    ), status
