"""Login with OpenID Connect (e.g. the authority's Keycloak), via Authlib's Flask client.

The ID token names the authority (claim OIDC_AUTHORITY_CLAIM) and the user
name (claim OIDC_USERNAME_CLAIM). With OIDC_ROLES_CLAIM and OIDC_GROUPS_CLAIM
the user's roles and groups come from the token at every sign-in, and with
OIDC_CREATE_USERS a user is created at the first one
(processes/administration/sso.py); otherwise only users that exist in
Aktenfluss can sign in, with the roles and groups kept here. Without
OIDC_ISSUER the routes answer 404.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from joserfc.errors import JoseError  # what Authlib raises for a bad ID token (signature, nonce, audience, expiry)
from requests import RequestException

from engine.db import utcnow
from processes.administration.sso import SignInRefused, sign_in
from web.database import get_session
from web.ui.auth import login_form, start_session
from web.ui.common import after_login, register_error_pages, safe_next

bp = Blueprint("ui_oidc", __name__, url_prefix="/ui/anmelden/sso")
register_error_pages(bp)

PROVIDER = "behoerde"
_NEXT = "oidc_next"


def init_app(app: Flask) -> None:
    """Register the OpenID provider of OIDC_ISSUER (discovery document read on first use, not now)."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        PROVIDER, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )
    app.extensions["ui_oidc"] = oauth


@bp.get("")
def start():
    """Send the browser to the identity provider."""
    client = _client()
    session[_NEXT] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(url_for(".callback", _external=True))
    except RequestException:
        return _failed("Der Anmeldedienst Ihrer Behörde ist nicht erreichbar. Bitte melden Sie sich mit Passwort an "
                       "oder versuchen Sie es später noch einmal.", 502)


@bp.get("/rueckkehr")
def callback():
    """Check the provider's answer (state, ID token signature, nonce) and log the user in (created or updated from
    the token's claims as configured)."""
    client = _client()
    next_url = session.get(_NEXT) or safe_next(None)
    try:
        token = client.authorize_access_token()
    except (OAuthError, JoseError, RequestException, ValueError):
        return _failed("Die Anmeldung über den Anmeldedienst Ihrer Behörde ist fehlgeschlagen. Bitte versuchen Sie "
                       "es noch einmal.", 401, next_url)
    claims = token.get("userinfo") or {}
    try:
        user = sign_in(get_session(), claims, current_app.extensions["oidc_rules"], utcnow())
    except SignInRefused as exc:
        return _failed(_REFUSALS[exc.reason].format(detail=exc.detail), 403, next_url)
    start_session(user)
    return redirect(after_login(user, next_url))


_REFUSALS = {
    "missing_claim": "Der Anmeldedienst hat keine Angabe „{detail}“ übermittelt. Bitte wenden Sie sich an die "
                     "Administration.",
    "unknown_authority": "Die Behörde „{detail}“ ist in Aktenfluss nicht eingerichtet. Bitte wenden Sie sich an die "
                         "Administration.",
    "unknown_user": "Das Konto „{detail}“ ist in Aktenfluss nicht eingerichtet (oder deaktiviert). Konten werden "
                    "nicht automatisch angelegt; bitte wenden Sie sich an die Administration.",
    "no_role": "Ihr Konto „{detail}“ hat beim Anmeldedienst keine Rolle für Aktenfluss. Bitte wenden Sie sich an die "
               "Administration.",
    "invalid_claim": "Die Angaben des Anmeldedienstes können nicht übernommen werden. Bitte wenden Sie sich an die "
                     "Administration.",
}


def _client():
    oauth = current_app.extensions.get("ui_oidc")
    if oauth is None:
        abort(404)
    return oauth.create_client(PROVIDER)


def _failed(message: str, status: int, next_url: str | None = None):
    session.pop(_NEXT, None)
    return login_form(next_url or safe_next(None), error=message, status=status)
