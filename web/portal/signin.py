"""Sign-in with the eID broker (OpenID Connect, Authlib): pseudonym and Vertrauensniveau, nothing else kept.

The broker (BundID, MV-Servicekonto; in the demo and the tests the eID
simulator) is the PORTAL_OIDC_ISSUER. The ID token's signature, issuer,
audience, expiry and nonce are checked by Authlib. The applicant's account
is found or created by the pseudonym (``sub``); a weaker identification than
PORTAL_MIN_ASSURANCE is refused. Names, date of birth and address stay in the
session only (to greet and to fill in forms).
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from requests import RequestException

from processes.portal.accounts import ensure_account
from processes.portal.accounts import sign_out as sign_out_everywhere
from processes.portal.assurance import ACR_OF_LEVEL, LEVELS, at_least, level_of
from web.database import get_session
from web.engine_context import engine_context
from web.portal.common import applicant, bp, end_portal_session, error_page, safe_next, start_portal_session

PROVIDER = "buerger"
_NEXT = "portal_next"
_ATTRIBUTES = ("given_name", "family_name", "birthdate", "place_of_birth", "address")


def init_app(app: Flask) -> None:
    """Register the eID broker (its discovery document is read on first use, not now)."""
    issuer = app.config.get("PORTAL_OIDC_ISSUER")
    if not issuer:
        return
    if app.config.get("PORTAL_MIN_ASSURANCE") not in LEVELS:
        raise ValueError(f"PORTAL_MIN_ASSURANCE must be one of {', '.join(LEVELS)}")
    oauth = OAuth(app)
    oauth.register(
        PROVIDER, client_id=app.config["PORTAL_OIDC_CLIENT_ID"], client_secret=app.config["PORTAL_OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )
    app.extensions["portal_oidc"] = oauth


def sign_in_available() -> bool:
    """True if an eID broker is configured."""
    return "portal_oidc" in current_app.extensions


@bp.get("/")
def landing():
    """The portal's start page: what it offers and the sign-in."""
    if applicant() is not None:
        return redirect(url_for("portal.cases"))
    return render_template("portal/landing.html", title="Bürgerportal", sign_in=sign_in_available())


@bp.get("/anmelden")
def sign_in():
    """Send the browser to the eID broker, asking for the Vertrauensniveau the portal needs."""
    client = _client()
    session[_NEXT] = safe_next(request.args.get("next"))
    minimum = current_app.config["PORTAL_MIN_ASSURANCE"]
    try:
        return client.authorize_redirect(url_for(".sign_in_return", _external=True), acr_values=ACR_OF_LEVEL[minimum])
    except RequestException:
        return error_page(502, "Der Anmeldedienst (Nutzerkonto) ist gerade nicht erreichbar. Bitte versuchen Sie es "
                               "später noch einmal.")


@bp.get("/anmelden/rueckkehr")
def sign_in_return():
    """Check the broker's answer and sign the applicant in."""
    client = _client()
    next_url = session.pop(_NEXT, None) or url_for("portal.cases")
    if request.args.get("error") == "access_denied":
        flash("Sie haben die Anmeldung abgebrochen.", "info")
        return redirect(url_for("portal.landing"))
    try:
        token = client.authorize_access_token()
    except (OAuthError, JoseError, RequestException, ValueError):
        return error_page(401, "Die Anmeldung mit Ihrem Nutzerkonto ist fehlgeschlagen. Bitte versuchen Sie es noch "
                               "einmal.")
    claims = token.get("userinfo") or {}
    subject, level = claims.get("sub"), level_of(claims.get("acr"))
    minimum = current_app.config["PORTAL_MIN_ASSURANCE"]
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        return error_page(401, "Der Anmeldedienst hat kein gültiges Pseudonym übermittelt.")
    if not at_least(level, minimum):
        return error_page(403, f"Für das Bürgerportal müssen Sie sich mindestens mit dem Vertrauensniveau "
                               f"„{minimum}“ anmelden, zum Beispiel mit der Online-Ausweisfunktion oder einem "
                               f"ELSTER-Zertifikat. Ihre Anmeldung hatte das Vertrauensniveau „{level or 'unbekannt'}“.")
    now = engine_context().clock()
    account = ensure_account(get_session(), claims["iss"], subject, level, now, signing_in=True)
    name = " ".join(str(claims[k]) for k in ("given_name", "family_name") if claims.get(k)) or "Antragsteller/in"
    start_portal_session(account, name, {k: claims[k] for k in _ATTRIBUTES if k in claims}, now)
    return redirect(safe_next(next_url))


@bp.post("/abmelden")
def sign_out():
    """Sign the applicant out of the portal, in every browser that holds a copy of the session."""
    account = applicant()
    if account is not None:
        sign_out_everywhere(get_session(), account, engine_context().clock())
    end_portal_session()
    flash("Sie sind abgemeldet.", "success")
    return redirect(url_for("portal.landing"))


def _client():
    oauth = current_app.extensions.get("portal_oidc")
    if oauth is None:
        abort(404)
    return oauth.create_client(PROVIDER)
