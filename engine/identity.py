"""Authorities, users, API tokens and passwords."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.errors import Conflict, InvalidData, NotFound
from engine.groups import ensure_groups, set_user_groups
from engine.models import ROLES, ApiToken, Authority, User

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")
_hasher = PasswordHasher()
MAX_PASSWORD_LENGTH = 200


def create_authority(session: Session, slug: str, name: str) -> Authority:
    """Create an authority; ``slug`` is its short unique name (lowercase, digits, '-')."""
    if not _SLUG.match(slug):
        raise InvalidData(f"authority slug '{slug}' must be 2-63 lowercase letters, digits or '-'")
    if not 0 < len(name.strip()) <= Authority.__table__.c.name.type.length:
        raise InvalidData(f"authority name must be 1-{Authority.__table__.c.name.type.length} characters")
    if session.scalar(select(Authority).where(Authority.slug == slug)) is not None:
        raise Conflict(f"authority '{slug}' exists already")
    authority = Authority(slug=slug, name=name)
    session.add(authority)
    session.flush()
    return authority


def get_authority(session: Session, slug: str) -> Authority:
    """Return the authority with ``slug`` or raise NotFound."""
    authority = session.scalar(select(Authority).where(Authority.slug == slug))
    if authority is None:
        raise NotFound(f"no authority '{slug}'")
    return authority


def create_user(
    session: Session,
    authority: Authority,
    username: str,
    *,
    roles: list[str],
    groups: list[str] | None = None,
    display_name: str | None = None,
    password: str | None = None,
    email: str | None = None,
) -> User:
    """Create a user of ``authority`` with roles, groups (by name; missing ones are created) and an e-mail address."""
    if not _USERNAME.match(username):
        raise InvalidData(f"user name '{username}' may contain letters, digits and . _ @ - (2-100 characters)")
    if display_name is not None and not 0 < len(display_name.strip()) <= User.__table__.c.display_name.type.length:
        raise InvalidData(f"display name must be 1-{User.__table__.c.display_name.type.length} characters")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InvalidData(f"unknown or missing roles {unknown}; choose from {', '.join(ROLES)}")
    exists = session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))
    if exists is not None:
        raise Conflict(f"user '{username}' exists already in authority '{authority.slug}'")
    user = User(
        authority_id=authority.id,
        username=username,
        display_name=display_name or username,
        email=check_email(email),
        roles=sorted(set(roles)),
        groups=[],
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    if groups:
        set_user_groups(session, user, [g.id for g in ensure_groups(session, authority.id, groups)])
    return user


def check_email(email: str | None) -> str | None:
    """Return a stripped e-mail address (None for none), or raise InvalidData if it is not one."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > User.__table__.c.email.type.length or not _EMAIL.match(email):
        raise InvalidData(f"'{email[:100]}' is not an e-mail address")
    return email


def issue_token(session: Session, user: User, label: str = "") -> str:
    """Create an API token for ``user`` and return it; only its hash is stored."""
    return issue_token_row(session, user, label)[1]


def issue_token_row(session: Session, user: User, label: str = "") -> tuple[ApiToken, str]:
    """Create an API token for ``user``; return its row and the token (shown once: only its hash is stored)."""
    if len(label) > ApiToken.__table__.c.label.type.length or any(ord(c) < 32 for c in label):
        raise InvalidData(f"a token label must be at most {ApiToken.__table__.c.label.type.length} characters, "
                          "without control characters")
    token = "af_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_sha256=token_hash(token), label=label)
    session.add(row)
    session.flush()
    return row, token


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke all active tokens of ``user``; return how many were revoked."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    session.flush()
    return len(tokens)


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user owning ``token``, or None."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    if len(password) < 10:
        raise InvalidData("password must have at least 10 characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidData(f"password must have at most {MAX_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Tell whether ``password`` is the user's password."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """Return the stored form of an API token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
