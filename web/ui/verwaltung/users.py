"""Administration of users: list and search, create, edit, deactivate (after confirmation), reactivate, reset the
password, issue and revoke API tokens, sign out everywhere."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from engine.db import utcnow
from engine.errors import EngineError
from engine.groups import groups_of, list_groups
from engine.login_sessions import running_login_sessions
from engine.models import ROLES
from processes.administration import users
from web.database import get_session
from web.ui.common import login_required, page_args, register_error_pages, ui_user
from web.ui.verwaltung.common import ROLE_LABELS, no_store, refusal

bp = Blueprint("ui_admin_users", __name__, url_prefix="/ui/verwaltung/benutzer")
register_error_pages(bp)

FIELDS = {"benutzername", "anzeigename", "email", "rollen", "gruppen", "zugang", "_form"}
ACCESS = {"link": "Einmal-Link zum Festlegen des Passworts (3 Tage gültig)",
          "temporary": "Vorläufiges Passwort, das bei der ersten Anmeldung geändert werden muss",
          "": "Kein Passwort: Anmeldung nur über Single Sign-on"}


@bp.get("")
@login_required("admin")
def index():
    """List and search the users of my authority."""
    db, actor = get_session(), ui_user()
    page, per_page = page_args(25)
    text = request.args.get("suche", "").strip()[:100]
    found, total = users.list_users(db, actor, text or None, page, per_page)
    return render_template("ui/verwaltung/benutzer.html", title="Benutzerinnen und Benutzer", users=found,
                           total=total, page=page, pages=max(1, -(-total // per_page)), text=text,
                           role_labels=ROLE_LABELS, groups={u.id: groups_of(db, u) for u in found})


@bp.route("/neu", methods=["GET", "POST"])
@login_required("admin")
def create():
    """Create a user with roles, groups and first credentials, shown once."""
    db, actor, errors = get_session(), ui_user(), {}
    values = _entered(request.form) if request.method == "POST" else {"zugang": "link", "rollen": ["clerk"],
                                                                        "gruppen": []}
    if request.method == "POST":
        _check(values, errors, new=True)
        if values["zugang"] not in ACCESS:
            errors["zugang"] = "Bitte wählen Sie, wie die Person ihr Passwort bekommt."
        if not errors:
            try:
                user, issued = users.create_user(
                    db, actor, username=values["benutzername"], roles=values["rollen"],
                    display_name=values["anzeigename"] or None, email=values["email"] or None,
                    group_ids=values["gruppen"], credentials=values["zugang"] or None, now=utcnow())
            except EngineError as exc:
                refusal(exc, errors, FIELDS)
            else:
                return _credentials_page(user, issued, f"Konto „{user.username}“ angelegt")
    return render_template("ui/verwaltung/benutzer_neu.html", title="Neues Konto", values=values, errors=errors,
                           **_choices(db, actor)), 422 if errors else 200


@bp.route("/<user_id>", methods=["GET", "POST"])
@login_required("admin")
def edit(user_id):
    """Show and change a user's name, e-mail address, roles and groups; offer the other actions."""
    db, actor, errors = get_session(), ui_user(), {}
    user = users.get_user(db, actor, user_id)
    if request.method == "POST":
        values = _entered(request.form)
        _check(values, errors, new=False)
        if not errors:
            try:
                users.update_user(db, actor, user, display_name=values["anzeigename"], email=values["email"],
                                  roles=values["rollen"], group_ids=values["gruppen"])
            except EngineError as exc:
                db.rollback()
                refusal(exc, errors, FIELDS)
            else:
                flash("Die Änderungen sind gespeichert.")
                return redirect(url_for(".edit", user_id=user.id))
        user = users.get_user(db, actor, user_id)
    else:
        values = {"anzeigename": user.display_name, "email": user.email or "", "rollen": list(user.roles),
                  "gruppen": [g.id for g in groups_of(db, user)]}
    return _edit_page(user, values, errors)


@bp.route("/<user_id>/deaktivieren", methods=["GET", "POST"])
@login_required("admin")
def deactivate(user_id):
    """Ask for confirmation, then deactivate the user (never deleted: the name stays in files and histories)."""
    db, actor = get_session(), ui_user()
    user = users.get_user(db, actor, user_id)
    error = None
    if request.method == "POST":
        try:
            users.deactivate_user(db, actor, user, utcnow())
        except EngineError as exc:
            error = refusal(exc, {})["_form"]
        else:
            flash(f"Das Konto „{user.username}“ ist deaktiviert.")
            return redirect(url_for(".edit", user_id=user.id))
    return render_template("ui/verwaltung/benutzer_deaktivieren.html", title="Konto deaktivieren", account=user,
                           error=error), 409 if error else 200


@bp.post("/<user_id>/reaktivieren")
@login_required("admin")
def reactivate(user_id):
    """Let a deactivated user sign in again."""
    db, actor = get_session(), ui_user()
    user = users.reactivate_user(db, actor, users.get_user(db, actor, user_id))
    flash(f"Das Konto „{user.username}“ ist wieder aktiv.")
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<user_id>/passwort")
@login_required("admin")
def reset_password(user_id):
    """Give the user a one-time link or a temporary password, shown once."""
    db, actor = get_session(), ui_user()
    user = users.get_user(db, actor, user_id)
    method = request.form.get("verfahren", "")
    if method not in ("link", "temporary"):
        return _edit_page(user, None, {"verfahren": "Bitte wählen Sie Einmal-Link oder vorläufiges Passwort."})
    try:
        issued = users.reset_password(db, actor, user, method, utcnow())
    except EngineError as exc:
        return _edit_page(user, None, refusal(exc, {}, {"_form"}))
    return _credentials_page(user, issued, f"Neuer Zugang für „{user.username}“")


@bp.post("/<user_id>/abmelden")
@login_required("admin")
def sign_out(user_id):
    """End all UI sessions of the user."""
    db, actor = get_session(), ui_user()
    user = users.get_user(db, actor, user_id)
    ended = users.sign_out_everywhere(db, actor, user, utcnow())
    flash(f"{user.display_name} ist überall abgemeldet ({ended} Anmeldung{'en' if ended != 1 else ''} beendet).")
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<user_id>/schluessel")
@login_required("admin")
def issue_token(user_id):
    """Issue an API token for the user and show it once."""
    db, actor = get_session(), ui_user()
    user = users.get_user(db, actor, user_id)
    try:
        row, token = users.issue_token(db, actor, user, request.form.get("bezeichnung", "").strip())
    except EngineError as exc:
        return _edit_page(user, None, refusal(exc, {}, {"bezeichnung", "_form"}))
    return no_store(make_response(render_template("ui/konto/schluessel.html", title="Neuer API-Schlüssel", row=row,
                                                  token=token, back=url_for(".edit", user_id=user.id))))


@bp.post("/<user_id>/schluessel/<token_id>/widerrufen")
@login_required("admin")
def revoke_token(user_id, token_id):
    """Revoke one of the user's API tokens."""
    db, actor = get_session(), ui_user()
    user = users.get_user(db, actor, user_id)
    row = users.revoke_token(db, actor, user, token_id, utcnow())
    flash(f"Der API-Schlüssel „{row.label or 'ohne Bezeichnung'}“ ist widerrufen.")
    return redirect(url_for(".edit", user_id=user.id) + "#schluessel")


def _entered(form) -> dict:
    return {"benutzername": form.get("benutzername", "").strip(), "anzeigename": form.get("anzeigename", "").strip(),
            "email": form.get("email", "").strip(), "rollen": [r for r in form.getlist("rollen") if r in ROLES],
            "gruppen": form.getlist("gruppen"), "zugang": form.get("zugang", "")}


def _check(values: dict, errors: dict, new: bool) -> None:
    if new and not values["benutzername"]:
        errors["benutzername"] = "Bitte geben Sie einen Benutzernamen ein."
    if not new and not values["anzeigename"]:
        errors["anzeigename"] = "Bitte geben Sie den Namen ein."
    if len(values["anzeigename"]) > 200:
        errors["anzeigename"] = "Der Name darf höchstens 200 Zeichen lang sein."
    if not values["rollen"]:
        errors["rollen"] = "Bitte wählen Sie mindestens eine Rolle."


def _choices(db, actor) -> dict:
    roles = [r for r in ROLES if r != "operator" or actor.has_role("operator")]
    return {"role_options": [(r, ROLE_LABELS[r]) for r in roles],
            "group_options": [(g.id, g.name) for g in list_groups(db, actor.authority_id)], "access": ACCESS}


def _edit_page(user, values, errors):
    db, actor = get_session(), ui_user()
    if values is None:
        values = {"anzeigename": user.display_name, "email": user.email or "", "rollen": list(user.roles),
                  "gruppen": [g.id for g in groups_of(db, user)]}
    return render_template(
        "ui/verwaltung/benutzer_bearbeiten.html", title=f"Konto {user.username}", account=user, values=values,
        errors=errors, tokens=users.tokens_of(db, actor, user), sessions=running_login_sessions(db, user.id, utcnow()),
        is_self=user.id == actor.id, **_choices(db, actor),
    ), 422 if errors else 200


def _credentials_page(user, issued, heading):
    links = [(url_for(".edit", user_id=user.id), "Zum Konto"), (url_for(".index"), "Zur Kontenliste")]
    return credentials_page(user, issued, heading, links)


def credentials_page(user, issued, heading, links):
    """Show the credentials of a new user or a reset (once; never cached)."""
    link = url_for("ui_account.reset", token=issued.secret, _external=True) if issued and issued.method == "link" \
        else None
    return no_store(make_response(render_template("ui/verwaltung/zugang.html", title=heading, heading=heading,
                                                  account=user, issued=issued, link=link, links=links)))
