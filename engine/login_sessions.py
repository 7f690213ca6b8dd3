"""Login sessions of the web UI, kept in the database.

The browser's (signed) cookie carries only a random secret; the database
keeps its SHA-256 with the user, the expiry and whether the session ended.
Every request looks the session up, so logout, a password change or an
administrator's "sign out everywhere" end a session in every web process at
once, and a cookie copied before the logout no longer works.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.models import LoginSession, User

def start_login_session(session: Session, user: User, now: datetime, lifetime: timedelta) -> str:
    """Record a new login of ``user`` valid for ``lifetime``; return the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_hash(secret), user_id=user.id, created_at=now, expires_at=now + lifetime))
    session.flush()
    return secret


def user_of_login_session(session: Session, secret: str, now: datetime) -> User | None:
    """Return the active user of a running (not ended, not expired) session, or None."""
    if not isinstance(secret, str) or not secret:
        return None
    return session.scalar(
        select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.id == _hash(secret), LoginSession.ended_at.is_(None), LoginSession.expires_at > now,
               User.active)
    )


def end_login_session(session: Session, secret: str, now: datetime, reason: str = "logout") -> None:
    """End one session (nothing happens if it ended already)."""
    session.execute(update(LoginSession).where(LoginSession.id == _hash(secret), LoginSession.ended_at.is_(None))
                    .values(ended_at=now, end_reason=reason))


def end_login_sessions(session: Session, user_id: str, now: datetime, reason: str, keep: str | None = None) -> int:
    """End every running session of a user (except the one whose secret is ``keep``); return how many."""
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None),
                                       LoginSession.expires_at > now)
    if keep:
        query = query.where(LoginSession.id != _hash(keep))
    return session.execute(query.values(ended_at=now, end_reason=reason)).rowcount or 0


def running_login_sessions(session: Session, user_id: str, now: datetime) -> int:
    """Count a user's running sessions."""
    return len(session.scalars(select(LoginSession.id).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None), LoginSession.expires_at > now)).all())


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
