"""Authentication of API calls (Bearer tokens) and role checks."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_smorest import abort

from engine.identity import user_for_token
from engine.models import User
from web.database import get_session


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
            user = user_for_token(get_session(), token.strip())
            if user is None:
                abort(401, message="invalid or revoked API token")
            if roles and not user.has_role(*roles):
                abort(403, message=f"this action needs one of the roles: {', '.join(roles)}")
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator
