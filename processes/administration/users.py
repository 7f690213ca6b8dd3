"""Users of an authority: list, create, edit, deactivate (never delete), credentials and sign-out.

Users are never deleted: their names stay in files and histories. A new user
or a password reset gets either a one-time link to set a password or a
temporary password that must be changed at the next sign-in; both are shown
once and stored only as hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import identity
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.groups import clean_name, groups_of, set_user_groups
from engine.login_sessions import end_login_sessions
from engine.models import PLATFORM_ROLES, ROLES, ApiToken, Authority, PasswordReset, User
from processes.administration.access import require_admin
from processes.administration.audit_log import changed, record_change

CREDENTIAL_METHODS = ("link", "temporary")
RESET_LINK_LIFETIME = timedelta(days=3)
_DISPLAY_NAME_LENGTH = User.__table__.c.display_name.type.length


@dataclass(frozen=True)
class Credentials:
    """What an administrator hands to a user once: a link token or a temporary password."""

    method: str
    secret: str
    expires_at: datetime | None = None


def list_users(session: Session, actor: User, text: str | None = None, page: int = 1,
               per_page: int = 25) -> tuple[list[User], int]:
    """Return one page of the authority's users (by display name) matching ``text``, and their number."""
    require_admin(actor)
    query = select(User).where(User.authority_id == actor.authority_id)
    if text and text.strip():
        pattern = "%" + text.strip().replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="/"), User.display_name.ilike(pattern, escape="/"),
                                User.email.ilike(pattern, escape="/")))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(User.active.desc(), User.display_name, User.username)
                            .offset((page - 1) * per_page).limit(per_page))
    return list(users), total


def get_user(session: Session, actor: User, user_id: str) -> User:
    """Return a user of the actor's authority (administrators only) or raise NotFound."""
    require_admin(actor)
    user = session.scalar(select(User).where(User.id == user_id, User.authority_id == actor.authority_id))
    if user is None:
        raise NotFound(f"no user with id '{user_id}'")
    return user


def create_user(session: Session, actor: User, *, username: str, roles: list[str], display_name: str | None = None,
                email: str | None = None, group_ids: list[str] = (), credentials: str | None, now: datetime,
                authority_id: str | None = None) -> tuple[User, Credentials | None]:
    """Create a user with roles and groups; return it with its first credentials (None: sign-in by SSO only).

    ``authority_id`` other than the actor's is for the operator creating an authority's first administrator.
    """
    target_authority = authority_id or actor.authority_id
    if authority_id is None:
        require_admin(actor)
    _check_roles(actor, roles, [])
    display_name = clean_name(display_name, "display name", _DISPLAY_NAME_LENGTH) if display_name else None
    authority = session.get(Authority, target_authority)
    if authority is None:
        raise NotFound(f"no authority with id '{target_authority}'")
    user = identity.create_user(session, authority, username.strip() if isinstance(username, str) else username,
                                roles=roles, display_name=display_name, email=email)
    if group_ids:
        set_user_groups(session, user, list(group_ids))
    issued = _issue_credentials(session, actor, user, credentials, now) if credentials else None
    record_change(session, actor, target_authority, "user.created", target=user.username, before=None,
                  after={**_snapshot(session, user), "credentials": credentials})
    return user, issued


def update_user(session: Session, actor: User, user: User, *, display_name: str | None = None,
                email: str | None = None, roles: list[str] | None = None, group_ids: list[str] | None = None) -> User:
    """Change a user's display name, e-mail address, roles and groups (only the values given)."""
    require_admin(actor)
    before = _snapshot(session, user)
    if display_name is not None:
        user.display_name = clean_name(display_name, "display name", _DISPLAY_NAME_LENGTH)
    if email is not None:
        user.email = identity.check_email(email)
    if roles is not None:
        _check_roles(actor, roles, user.roles)
        if user.id == actor.id and "admin" not in roles:
            raise Conflict("you cannot take away your own administrator role; ask another administrator")
        user.roles = sorted(set(roles))
    if group_ids is not None:
        set_user_groups(session, user, list(group_ids))
    session.flush()
    old, new = changed(before, _snapshot(session, user))
    if new:
        record_change(session, actor, user.authority_id, "user.updated", target=user.username, before=old, after=new)
    return user


def deactivate_user(session: Session, actor: User, user: User, now: datetime) -> User:
    """Deactivate a user: no sign-in, no API access, sessions ended; the name stays in files and histories."""
    require_admin(actor)
    if user.id == actor.id:
        raise Conflict("you cannot deactivate yourself; ask another administrator")
    if not user.active:
        raise Conflict(f"user '{user.username}' is deactivated already")
    user.active = False
    ended = end_login_sessions(session, user.id, now, "deactivated")
    session.flush()
    record_change(session, actor, user.authority_id, "user.deactivated", target=user.username,
                  before={"active": True}, after={"active": False, "sessions_ended": ended})
    return user


def reactivate_user(session: Session, actor: User, user: User) -> User:
    """Allow a deactivated user to sign in again."""
    require_admin(actor)
    if user.active:
        raise Conflict(f"user '{user.username}' is active")
    user.active = True
    session.flush()
    record_change(session, actor, user.authority_id, "user.reactivated", target=user.username,
                  before={"active": False}, after={"active": True})
    return user


def reset_password(session: Session, actor: User, user: User, method: str, now: datetime) -> Credentials:
    """Give a user new credentials: a one-time link, or a temporary password (which ends their sessions)."""
    require_admin(actor)
    if not user.active:
        raise Conflict(f"user '{user.username}' is deactivated; reactivate the account first")
    issued = _issue_credentials(session, actor, user, method, now)
    record_change(session, actor, user.authority_id, "user.password_reset", target=user.username, before=None,
                  after={"method": method})
    return issued


def sign_out_everywhere(session: Session, actor: User, user: User, now: datetime, keep: str | None = None) -> int:
    """End all of a user's UI sessions (the actor's own current one may be kept); return how many."""
    if actor.id != user.id:
        require_admin(actor)
    ended = end_login_sessions(session, user.id, now, "signed_out_everywhere", keep=keep)
    record_change(session, actor, user.authority_id, "user.signed_out", target=user.username, before=None,
                  after={"sessions_ended": ended})
    return ended


def tokens_of(session: Session, actor: User, user: User) -> list[ApiToken]:
    """Return a user's API tokens, newest first (their values are never shown again)."""
    _require_self_or_admin(actor, user)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id)))


def issue_token(session: Session, actor: User, user: User, label: str) -> tuple[ApiToken, str]:
    """Issue an API token for ``user`` (themselves or an administrator); the token is returned once."""
    _require_self_or_admin(actor, user)
    if not user.active:
        raise Conflict(f"user '{user.username}' is deactivated")
    row, token = identity.issue_token_row(session, user, (label or "").strip())
    record_change(session, actor, user.authority_id, "token.issued", target=user.username, before=None,
                  after={"token_id": row.id, "label": row.label})
    return row, token


def revoke_token(session: Session, actor: User, user: User, token_id: str, now: datetime) -> ApiToken:
    """Revoke one of a user's API tokens."""
    _require_self_or_admin(actor, user)
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is None:
        raise NotFound(f"no API token with id '{token_id}'")
    if row.revoked_at is not None:
        raise Conflict("this API token is revoked already")
    row.revoked_at = now
    session.flush()
    record_change(session, actor, user.authority_id, "token.revoked", target=user.username, before=None,
                  after={"token_id": row.id, "label": row.label})
    return row


def change_own_password(session: Session, user: User, current: str, new: str, now: datetime,
                        keep: str | None = None) -> int:
    """Change the user's password (the current one must be given); end their other sessions; return how many."""
    if not identity.check_password(user, current or ""):
        raise InvalidData("the current password is wrong", {"fields": {"current_password": ["wrong"]}})
    if current == new:
        raise InvalidData("the new password must differ from the current one",
                          {"fields": {"new_password": ["same as current"]}})
    return _set_password(session, user, new, user, now, keep)


def reset_link_user(session: Session, token: str, now: datetime) -> User | None:
    """Return the active user a valid, unused one-time link belongs to, or None."""
    row = _reset_row(session, token, now)
    return row and session.get(User, row.user_id)


def redeem_reset_link(session: Session, token: str, new: str, now: datetime) -> User:
    """Set a new password with a one-time link (which then no longer works); end all of the user's sessions."""
    row = _reset_row(session, token, now)
    if row is None:
        raise NotFound("this link is unknown, used or expired")
    user = session.get(User, row.user_id)
    _set_password(session, user, new, user, now, None)
    row.used_at = now
    session.flush()
    return user


def _set_password(session: Session, user: User, new: str, actor: User, now: datetime, keep: str | None) -> int:
    user.password_hash = identity.hash_password(new)
    user.must_change_password = False
    ended = end_login_sessions(session, user.id, now, "password_changed", keep=keep)
    session.flush()
    record_change(session, actor, user.authority_id, "user.password_changed", target=user.username, before=None,
                  after={"sessions_ended": ended})
    return ended


def _issue_credentials(session: Session, actor: User, user: User, method: str, now: datetime) -> Credentials:
    if method not in CREDENTIAL_METHODS:
        raise InvalidData(f"credentials must be one of {', '.join(CREDENTIAL_METHODS)}")
    if method == "temporary":
        password = secrets.token_urlsafe(12)
        user.password_hash = identity.hash_password(password)
        user.must_change_password = True
        end_login_sessions(session, user.id, now, "password_changed")
        session.flush()
        return Credentials("temporary", password)
    token = secrets.token_urlsafe(32)
    expires_at = now + RESET_LINK_LIFETIME
    session.add(PasswordReset(user_id=user.id, token_sha256=_hash(token), created_at=now, created_by=actor.username,
                              expires_at=expires_at))
    session.flush()
    return Credentials("link", token, expires_at)


def _reset_row(session: Session, token: str, now: datetime) -> PasswordReset | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return session.scalar(
        select(PasswordReset).join(User, User.id == PasswordReset.user_id)
        .where(PasswordReset.token_sha256 == _hash(token), PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now, User.active))


def _check_roles(actor: User, roles: list[str], current: list[str]) -> None:
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise InvalidData(f"choose at least one role of {', '.join(ROLES)}")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InvalidData(f"unknown roles {unknown}; choose from {', '.join(ROLES)}")
    platform_change = (set(roles) ^ set(current)) & set(PLATFORM_ROLES)
    if platform_change and not actor.has_role(*PLATFORM_ROLES):
        raise Forbidden("only the platform operator may grant or take away the operator role")


def _require_self_or_admin(actor: User, user: User) -> None:
    if actor.id != user.id:
        require_admin(actor)
        if actor.authority_id != user.authority_id:
            raise NotFound(f"no user with id '{user.id}'")


def _snapshot(session: Session, user: User) -> dict:
    return {"display_name": user.display_name, "email": user.email, "roles": list(user.roles),
            "groups": [g.name for g in groups_of(session, user)], "active": user.active}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
