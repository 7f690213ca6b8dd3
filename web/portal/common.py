"""What the portal's pages share: the blueprint, the signed-in applicant, German error pages."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from eakte.errors import EakteError
from eakte.storage import StorageUnavailable
from engine.errors import EngineError
from processes.portal.accounts import get_account, session_valid
from processes.portal.models import ApplicantAccount
from web.database import get_session

bp = Blueprint("portal", __name__, url_prefix="/buerger")

ACCOUNT, NAME, ATTRIBUTES, BEGAN = "portal_account", "portal_name", "portal_attributes", "portal_began"
TITLES = {400: "Anfrage ungültig", 403: "Nicht erlaubt", 404: "Nicht gefunden", 405: "Nicht möglich",
          409: "Zurzeit nicht möglich", 413: "Datei zu groß", 422: "Bitte prüfen Sie Ihre Eingaben",
          502: "Dienst nicht erreichbar", 503: "Vorübergehend nicht verfügbar"}
MESSAGES = {
    400: "Die Anfrage ist ungültig. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Seite kann so nicht aufgerufen werden.",
    413: "Die Datei ist zu groß. Bitte laden Sie Dateien bis 50 MB hoch.",
}


def applicant() -> ApplicantAccount | None:
    """The applicant signed in to the portal in this request, or None."""
    if "portal_applicant" not in g:
        account_id = session.get(ACCOUNT)
        account = get_account(get_session(), account_id) if account_id else None
        if account is not None and not session_valid(account, _began()):
            account = None  # the applicant signed out (maybe in another browser): this copy ends too
        if account_id and account is None:
            end_portal_session()
        g.portal_applicant = account
    return g.portal_applicant


def _began() -> datetime | None:
    try:
        return datetime.fromisoformat(session.get(BEGAN, ""))
    except (TypeError, ValueError):
        return None


def start_portal_session(account: ApplicantAccount, name: str, attributes: dict, now: datetime) -> None:
    """Sign the applicant in: a fresh session (no fixation) with the account and the attributes the forms need."""
    session.clear()
    session.permanent = True
    session[ACCOUNT], session[NAME], session[ATTRIBUTES] = account.id, name, attributes
    session[BEGAN] = now.isoformat()


def end_portal_session() -> None:
    """Sign the applicant out."""
    for key in (ACCOUNT, NAME, ATTRIBUTES, BEGAN):
        session.pop(key, None)


def applicant_required(view):
    """Send visitors who are not signed in to the sign-in, and back here afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if applicant() is None:
            return redirect(url_for("portal.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str:
    """A local portal path to return to, or the list of applications (no open redirects)."""
    if target and target.startswith("/buerger") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("portal.cases")


def error_page(status: int, message: str):
    """A German error page in the portal's layout."""
    return render_template("portal/error.html", title=TITLES.get(status, "Fehler"), message=message), status


@bp.errorhandler(EngineError)
@bp.errorhandler(EakteError)
def _domain_error(exc):
    return error_page(exc.status, exc.message if exc.status in (404, 409, 422) else "Das ist nicht möglich.")


@bp.errorhandler(StorageUnavailable)
def _storage_down(_exc):
    return error_page(503, "Die Dokumentenablage ist gerade nicht erreichbar. Es wurde nichts geändert; bitte "
                           "versuchen Sie es später noch einmal.")


@bp.errorhandler(OperationalError)
def _database_down(_exc):
    return error_page(503, "Das Portal ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if isinstance(exc, CSRFError):
        return error_page(400, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es noch "
                               "einmal.")
    return error_page(exc.code, MESSAGES.get(exc.code, "Die Anfrage ist ungültig."))
