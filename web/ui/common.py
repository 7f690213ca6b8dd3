"""Shared pieces of the UI blueprints: the logged-in user, role checks, error pages."""

from __future__ import annotations

import re
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from eakte.errors import EakteError
from eakte.storage import StorageUnavailable
from engine.errors import CaseNotActive, EngineError
from engine.db import utcnow
from engine.login_sessions import user_of_login_session
from engine.models import User
from web.api.schemas.common import MAX_PAGE
from web.database import get_session
from web.request_guard import NulCharacter, UnnamedFormPart

LOGIN_KEY = "login"  # the cookie's key holding the login session's secret

ERROR_TITLES = {
    400: "Ungültige Anfrage",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Nicht möglich",
    409: "Konflikt",
    413: "Zu groß",
    422: "Eingaben prüfen",
    503: "Vorübergehend nicht verfügbar",
}


def ui_user() -> User | None:
    """Return the user logged in to the UI in this request, or None.

    The cookie names a login session kept in the database (engine/login_sessions.py): a session that was ended
    (logout, password change, "sign out everywhere") or has expired logs nobody in.
    """
    if "ui_user" not in g:
        user = None
        secret = session.get(LOGIN_KEY)
        if secret:
            user = user_of_login_session(get_session(), secret, utcnow())
            if user is None:
                session.clear()
        g.ui_user = user
    return g.ui_user


def login_required(*roles: str):
    """Require a UI login and, if given, one of ``roles`` (admin passes all)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = ui_user()
            if user is None:
                return redirect(url_for("ui_auth.login", next=request.full_path.rstrip("?")))
            if user.must_change_password:  # a temporary password: nothing else until it is replaced
                return redirect(url_for("ui_account.password"))
            if roles and not user.has_role(*roles):
                return error_page(403, "Für diese Seite fehlt Ihnen die nötige Rolle.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")
"""Control characters (CR/LF would split the Location header) and backslashes (``/\\evil``) in a redirect target."""


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a local path, else the inbox (no open redirects, no header injection)."""
    if target and not _UNSAFE_IN_NEXT.search(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("ui_inbox.inbox")


def landing_url(user: User) -> str:
    """Return the page a user starts on: the process models for modellers who work on no tasks, else the inbox."""
    roles = set(user.roles or ())
    if "modeller" in roles and not roles & {"clerk", "supervisor"}:
        return url_for("ui_modeller.index")
    return url_for("ui_inbox.inbox")


def after_login(user: User, next_url: str) -> str:
    """Return where to go after signing in: ``next_url`` if one was asked for, else the user's start page."""
    return landing_url(user) if next_url == url_for("ui_inbox.inbox") else next_url


def error_page(status: int, message: str):
    """Render the German error page with ``status``."""
    return render_template("ui/error.html", title=ERROR_TITLES.get(status, "Fehler"), message=message), status


_MESSAGES = {404: "Das gesuchte Objekt gibt es nicht (oder es gehört zu einer anderen Behörde).",
             403: "Diese Aktion ist Ihnen nicht erlaubt.",
             409: "Das ist im jetzigen Zustand nicht möglich (zum Beispiel ist die Akte geschlossen).",
             422: "Die Anfrage konnte nicht ausgeführt werden."}
_HTTP_MESSAGES = {
    400: "Die Anfrage ist ungültig. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Seite kann so nicht aufgerufen werden.",
    413: "Die gesendeten Daten sind zu groß (zum Beispiel eine zu große Datei).",
}
_CSRF_MESSAGE = ("Das Sicherheitsmerkmal des Formulars fehlt oder ist ungültig (etwa weil die Seite zu alt ist). "
                 "Bitte laden Sie die Seite neu und senden Sie das Formular noch einmal.")
_NUL_MESSAGE = ("Die Eingabe enthält ein unzulässiges Steuerzeichen (NUL). Bitte entfernen Sie es und senden Sie "
                "das Formular noch einmal.")


CASE_NOT_ACTIVE = {
    "suspended": ("Der Vorgang ist angehalten. Seine Aufgaben können erst wieder übernommen oder erledigt werden, "
                  "wenn die Leitung ihn fortsetzt."),
    "completed": "Der Vorgang ist abgeschlossen; an seinen Aufgaben kann nicht mehr gearbeitet werden.",
    "cancelled": "Der Vorgang ist abgebrochen; an seinen Aufgaben kann nicht mehr gearbeitet werden.",
}


def german_message(exc: EngineError | EakteError) -> str:
    """Return the German text for a domain error shown to a person (specific where the UI knows the case)."""
    if isinstance(exc, CaseNotActive):
        return CASE_NOT_ACTIVE.get(exc.case_status, _MESSAGES[409])
    return _MESSAGES.get(exc.status, exc.message)


def register_error_pages(blueprint: Blueprint) -> None:
    """Show domain errors of ``blueprint``'s views as German HTML pages."""

    @blueprint.errorhandler(EngineError)
    @blueprint.errorhandler(EakteError)
    def _domain_error(exc: EngineError | EakteError):
        return error_page(exc.status, german_message(exc))

    @blueprint.errorhandler(StorageUnavailable)
    def _storage_down(_exc: StorageUnavailable):
        return error_page(503, "Die Dokumentenablage ist gerade nicht erreichbar. Es wurde nichts geändert; "
                               "bitte versuchen Sie es später noch einmal.")

    @blueprint.errorhandler(OperationalError)
    def _database_down(_exc: OperationalError):
        return error_page(503, "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.")

    @blueprint.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # A refused CSRF token, a NUL character, a too large upload: a German page, not the API's JSON answer.
        if isinstance(exc, CSRFError):
            return error_page(400, _CSRF_MESSAGE)
        if isinstance(exc, NulCharacter):
            return error_page(400, _NUL_MESSAGE)
        if isinstance(exc, UnnamedFormPart):
            return error_page(400, "Das Formular enthält ein Feld ohne Namen. Bitte senden Sie es über diese Seite ab.")
        return error_page(exc.code, _HTTP_MESSAGES.get(exc.code, _MESSAGES.get(exc.code, "Die Anfrage ist ungültig.")))


def page_args(default_per_page: int = 25) -> tuple[int, int]:
    """Read ``seite`` (page, from 1 to MAX_PAGE) and ``pro_seite`` from the query string."""
    page = request.args.get("seite", 1, type=int) or 1
    per_page = request.args.get("pro_seite", default_per_page, type=int) or default_per_page
    return min(max(page, 1), MAX_PAGE), min(max(per_page, 5), 100)
