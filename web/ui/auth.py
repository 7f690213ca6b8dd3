"""Login with authority, user name and password; logout. (OpenID Connect: web/ui/oidc.py.)"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from engine.db import utcnow
from engine.identity import check_password
from engine.login_sessions import end_login_session, start_login_session
from engine.models import Authority, User
from web.database import get_session
from web.engine_context import engine_context
from web.ui import throttle
from web.ui.common import LOGIN_KEY, after_login, error_page, landing_url, register_error_pages, safe_next, ui_user

bp = Blueprint("ui_auth", __name__, url_prefix="/ui")
register_error_pages(bp)
site_bp = Blueprint("ui_site", __name__)


@site_bp.get("/")
@bp.get("/", endpoint="root")
def root():
    """Send visitors to their start page (inbox, or the process models for modellers), or to the sign-in page."""
    user = ui_user()
    return redirect(landing_url(user) if user is not None else url_for("ui_auth.login"))


@site_bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico get the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/<path:_unknown>", methods=["GET", "POST"])
def unknown(_unknown):
    """Answer addresses under /ui that no page has with the German 404 page (not the API's JSON)."""
    return error_page(404, "Diese Seite gibt es nicht.")


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Show the login form; check the password and rate-limit failures."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if ui_user() is not None:
            return redirect(after_login(ui_user(), next_url))
        return login_form(next_url)
    slug = request.form.get("behoerde", "").strip().lower()
    username = request.form.get("benutzername", "").strip()
    password = request.form.get("passwort", "")
    db, now = get_session(), engine_context().clock()
    key = throttle.login_key(slug, username)
    if throttle.is_blocked(db, key, request.remote_addr, now):
        return login_form(next_url, slug, username,
                     "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten.", 429)
    user = find_active_user(db, slug, username)
    ok = user is not None and check_password(user, password)
    throttle.record_attempt(db, key, request.remote_addr, ok, now)
    if not ok:
        # 200 keeps the transaction: the failed attempt must be stored to count towards the limit.
        return login_form(next_url, slug, username, "Behörde, Benutzername oder Passwort sind falsch.", 200)
    start_session(user)
    return redirect(after_login(user, next_url))


@bp.post("/abmelden")
def logout():
    """End the session, also in the database: a copy of the cookie no longer works."""
    secret = session.get(LOGIN_KEY)
    if secret:
        end_login_session(get_session(), secret, utcnow())
    session.clear()
    return redirect(url_for("ui_auth.login"))


def start_session(user: User) -> None:
    """Log ``user`` in: a fresh session (no fixation), recorded in the database, that expires after the lifetime."""
    session.clear()
    session.permanent = True
    session[LOGIN_KEY] = start_login_session(get_session(), user, utcnow(), current_app.permanent_session_lifetime)


def find_active_user(db, slug: str, username: str) -> User | None:
    """Return the active user ``username`` of the authority ``slug``, or None."""
    return db.scalar(
        select(User).join(Authority, User.authority_id == Authority.id)
        .where(Authority.slug == slug, User.username == username, User.active)
    )


def login_form(next_url: str, slug: str = "", username: str = "", error: str | None = None, status: int = 200):
    """Render the login page (with an error message, if any) and ``status``."""
    return render_template(
        "ui/login.html", title="Anmelden", next_url=next_url, slug=slug or current_app.config.get("DEFAULT_AUTHORITY", ""),
        username=username, error=error, oidc=bool(current_app.config.get("OIDC_ISSUER")),
    ), status
