"""The operator's page: the authorities, and a new authority with its first administrator."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from engine.db import utcnow
from engine.errors import EngineError
from processes.administration import authorities
from web.database import get_session
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.verwaltung.common import refusal
from web.ui.verwaltung.users import credentials_page

bp = Blueprint("ui_admin_authorities", __name__, url_prefix="/ui/verwaltung/behoerden")
register_error_pages(bp)

FIELDS = {"kuerzel", "behoerdenname", "benutzername", "anzeigename", "email", "zugang", "_form"}
ACCESS = {"link": "Einmal-Link zum Festlegen des Passworts (3 Tage gültig)",
          "temporary": "Vorläufiges Passwort, das bei der ersten Anmeldung geändert werden muss"}


@bp.route("", methods=["GET", "POST"])
@login_required("operator")
def index():
    """List the authorities; create one with its first administrator, whose access is shown once."""
    db, actor, errors = get_session(), ui_user(), {}
    values = {key: request.form.get(key, "").strip() for key in FIELDS - {"_form"}}
    values["zugang"] = values["zugang"] or "link"
    if request.method == "POST":
        for field, message in (("kuerzel", "Bitte geben Sie ein Kürzel ein."),
                               ("behoerdenname", "Bitte geben Sie den Namen der Behörde ein."),
                               ("benutzername", "Bitte geben Sie den Benutzernamen der Administration ein.")):
            if not values[field]:
                errors[field] = message
        if values["zugang"] not in ACCESS:
            errors["zugang"] = "Bitte wählen Sie, wie die Administration ihr Passwort bekommt."
        if not errors:
            try:
                authority, admin, issued = authorities.create_authority(
                    db, actor, slug=values["kuerzel"], name=values["behoerdenname"],
                    admin_username=values["benutzername"], admin_display_name=values["anzeigename"] or None,
                    admin_email=values["email"] or None, credentials=values["zugang"], now=utcnow())
            except EngineError as exc:
                db.rollback()
                refusal(exc, errors, FIELDS)
            else:
                return credentials_page(admin, issued, f"Behörde „{authority.name}“ angelegt",
                                        [(url_for(".index"), "Zu den Behörden")])
    return render_template("ui/verwaltung/behoerden.html", title="Behörden", values=values, errors=errors,
                           rows=authorities.list_authorities(db, actor), access=ACCESS), 422 if errors else 200
