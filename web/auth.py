"""Authentication of API calls (Bearer tokens: the product's own, or OIDC access tokens) and role checks."""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, g, request
from flask_smorest import abort

from engine.db import utcnow
from engine.models import User
from processes.administration.sso import ClaimRules, SignInRefused, sign_in
from web.database import get_session
from web.oidc_access import AccessTokenVerifier, InvalidAccessToken

OWN_TOKEN_PREFIX = "af_"


def init_app(app: Flask) -> None:
    """Read the single sign-on rules; with OIDC_ISSUER, accept the issuer's access tokens (nothing is contacted now).

    Raises:
        ValueError: OIDC_ROLE_MAPPING or OIDC_GROUP_MAPPING is malformed.
    """
    app.extensions["oidc_rules"] = ClaimRules.from_config(app.config)
    issuer = app.config.get("OIDC_ISSUER")
    if issuer:
        audience = app.config.get("OIDC_API_AUDIENCE") or app.config.get("OIDC_CLIENT_ID")
        app.extensions["oidc_access"] = AccessTokenVerifier(issuer, audience)


def _user_for_bearer(token: str) -> User | None:
    """Return the user of a product token, or of a valid OIDC access token (None: not a valid product token)."""
    verifier = current_app.extensions.get("oidc_access")
    if token.startswith(OWN_TOKEN_PREFIX) or verifier is None:
        return current_app.extensions["verified_tokens"].user(get_session(), token)
    try:
        claims = verifier.claims(token)
    except InvalidAccessToken as exc:
        abort(401, message=f"invalid access token: {exc}")
    try:
        return sign_in(get_session(), claims, current_app.extensions["oidc_rules"], utcnow())
    except SignInRefused as exc:
        abort(403, message=f"the access token is valid, but its user cannot use Aktenfluss ({exc.reason}: "
                           f"{exc.detail[:100]})")


def current_user() -> User:
    """Return the authenticated user of this request."""
    return g.user


def api_auth(*roles: str):
    """Require a valid Bearer token and, if given, one of ``roles`` (admin passes all).

    Put it right below ``@blp.route``: the token is then checked before the body
    and query are parsed, so an unauthenticated request gets 401, not a 422
    about its fields.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                abort(401, message="missing or malformed 'Authorization: Bearer <token>' header")
            user = _user_for_bearer(token.strip())
            if user is None:
                abort(401, message="invalid or revoked API token")
            if roles and not user.has_role(*roles):
                abort(403, message=f"this action needs one of the roles: {', '.join(roles)}")
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator
