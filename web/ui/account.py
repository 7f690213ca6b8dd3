"""Every user's own account ("Mein Konto"): password, API tokens, absence and substitute, sign-out everywhere;
and the page behind a one-time link to set a password."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for

from engine.db import utcnow
from engine.errors import EngineError
from engine.groups import groups_of
from processes.administration import absences, users
from web.database import get_session
from web.engine_context import engine_context
from web.ui.common import LOGIN_KEY, register_error_pages, ui_user
from web.ui.verwaltung import absence_form
from web.ui.verwaltung.common import DATE_HINT, ROLE_LABELS, no_store, refusal

bp = Blueprint("ui_account", __name__, url_prefix="/ui")
register_error_pages(bp)

PASSWORD_FIELDS = {"aktuelles_passwort", "neues_passwort", "wiederholung", "_form"}


def signed_in(view):
    """Require a login, but let a user with a temporary password in (to change it)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if ui_user() is None:
            return redirect(url_for("ui_auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


@bp.get("/konto")
@signed_in
def index():
    """Show my account: my details, my absences, my API tokens."""
    return _account_page()


@bp.route("/konto/passwort", methods=["GET", "POST"])
@signed_in
def password():
    """Change my password (required after signing in with a temporary password); my other sessions end."""
    user, errors = ui_user(), {}
    if request.method == "POST":
        current, new = request.form.get("aktuelles_passwort", ""), request.form.get("neues_passwort", "")
        if not current:
            errors["aktuelles_passwort"] = "Bitte geben Sie Ihr aktuelles Passwort ein."
        _check_new_password(new, request.form.get("wiederholung", ""), errors)
        if not errors:
            try:
                ended = users.change_own_password(get_session(), user, current, new, utcnow(),
                                                  keep=session.get(LOGIN_KEY))
            except EngineError as exc:
                refusal(exc, errors, PASSWORD_FIELDS)
            else:
                flash("Ihr Passwort ist geändert."
                      + (f" {ended} andere Anmeldung(en) wurden beendet." if ended else ""))
                return redirect(url_for(".index"))
    return render_template("ui/konto/passwort.html", title="Passwort ändern", errors=errors,
                           forced=user.must_change_password), 422 if errors else 200


@bp.post("/konto/schluessel")
@signed_in
def issue_token():
    """Issue an API token for me and show it once."""
    user, label = ui_user(), request.form.get("bezeichnung", "").strip()
    try:
        row, token = users.issue_token(get_session(), user, user, label)
    except EngineError as exc:
        return _account_page(token_errors=refusal(exc, {}, {"bezeichnung", "_form"}), label=label, status=422)
    return no_store(make_response(render_template("ui/konto/schluessel.html", title="Neuer API-Schlüssel",
                                                  row=row, token=token, back=url_for(".index"))))


@bp.post("/konto/schluessel/<token_id>/widerrufen")
@signed_in
def revoke_token(token_id):
    """Revoke one of my API tokens."""
    user = ui_user()
    row = users.revoke_token(get_session(), user, user, token_id, utcnow())
    flash(f"Der API-Schlüssel „{row.label or 'ohne Bezeichnung'}“ ist widerrufen.")
    return redirect(url_for(".index") + "#schluessel")


@bp.post("/konto/abwesenheit")
@signed_in
def add_absence():
    """Record my absence with a substitute (or none: the supervisors see my tasks)."""
    entered, errors = absence_form.submit(get_session(), ui_user(), request.form, engine_context().clock(),
                                          for_someone=False)
    if errors:
        return _account_page(absence_errors=errors, entered=entered, status=422)
    flash("Ihre Abwesenheit ist eingetragen.")
    return redirect(url_for(".index") + "#abwesenheit")


@bp.post("/konto/abwesenheit/<absence_id>/beenden")
@signed_in
def end_absence(absence_id):
    """End one of my absences now (a future one is cancelled)."""
    db, user = get_session(), ui_user()
    try:
        absences.end_absence(db, user, absences.get_absence(db, user, absence_id), engine_context().clock())
    except EngineError as exc:
        if exc.status == 404:
            raise
        return _account_page(absence_errors=refusal(exc, {}, {"_form"}), status=422)
    flash("Die Abwesenheit ist beendet.")
    return redirect(url_for(".index") + "#abwesenheit")


@bp.post("/konto/ueberall-abmelden")
@signed_in
def sign_out_everywhere():
    """End all my sessions, this one included (e.g. after using a shared computer)."""
    user = ui_user()
    users.sign_out_everywhere(get_session(), user, user, utcnow())
    session.clear()
    flash("Sie wurden auf allen Geräten abgemeldet.")
    return redirect(url_for("ui_auth.login"))


@bp.route("/passwort-setzen/<token>", methods=["GET", "POST"])
def reset(token):
    """Set a password with a one-time link; the link then no longer works."""
    db, now, errors = get_session(), utcnow(), {}
    owner = users.reset_link_user(db, token, now)
    if owner is None:
        return render_template("ui/konto/link_ungueltig.html", title="Link ungültig"), 404
    if request.method == "POST":
        new = request.form.get("neues_passwort", "")
        _check_new_password(new, request.form.get("wiederholung", ""), errors)
        if not errors:
            try:
                users.redeem_reset_link(db, token, new, now)
            except EngineError as exc:
                refusal(exc, errors, PASSWORD_FIELDS)
            else:
                session.clear()
                flash("Ihr Passwort ist gesetzt. Bitte melden Sie sich an.")
                return redirect(url_for("ui_auth.login"))
    response = make_response(render_template("ui/konto/passwort_setzen.html", title="Passwort festlegen",
                                             owner=owner, errors=errors), 422 if errors else 200)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is a secret: never pass it on
    return no_store(response)


def _check_new_password(new: str, repeated: str, errors: dict[str, str]) -> None:
    if len(new) < 10:
        errors["neues_passwort"] = "Das neue Passwort muss mindestens 10 Zeichen lang sein."
    elif len(new) > 200:
        errors["neues_passwort"] = "Das neue Passwort darf höchstens 200 Zeichen lang sein."
    elif new != repeated:
        errors["wiederholung"] = "Die Wiederholung stimmt nicht mit dem neuen Passwort überein."


def _account_page(absence_errors=None, entered=None, token_errors=None, label="", status=200):
    db, user, now = get_session(), ui_user(), engine_context().clock()
    mine = [a for a in absences.list_absences(db, user, now) if user.id in (a.user_id, a.substitute_id)]
    return render_template(
        "ui/konto/index.html", title="Mein Konto", user=user, role_labels=ROLE_LABELS,
        member_of=groups_of(db, user), tokens=users.tokens_of(db, user, user),
        own_absences=[a for a in mine if a.user_id == user.id],
        covering=[a for a in mine if a.substitute_id == user.id],
        substitute_options=[(u.username, u.display_name) for u in absence_form.substitutes_for(db, user)
                            if u.id != user.id],
        group_options=[(g, g) for g in user.groups],
        absence_errors=absence_errors or {}, entered=entered or absence_form.AbsenceForm(),
        token_errors=token_errors or {}, label=label, period=absence_form.describe_period, date_hint=DATE_HINT,
        now=now,
    ), status
