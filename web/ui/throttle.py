"""Rate limit of failed logins, kept in the database (works across web processes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30


def login_key(authority_slug: str, username: str) -> str:
    """Return the key under which attempts on one account are counted."""
    return f"{authority_slug.strip().lower()}/{username.strip().lower()}"[:200]


def is_blocked(session: Session, key: str, remote_addr: str | None, now: datetime) -> bool:
    """Tell whether too many logins failed recently for this account or from this address."""
    since = now - WINDOW
    failures = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    if session.scalar(failures.where(LoginAttempt.username == key)) >= MAX_FAILURES_PER_ACCOUNT:
        return True
    return bool(remote_addr) and session.scalar(
        failures.where(LoginAttempt.remote_addr == remote_addr)
    ) >= MAX_FAILURES_PER_ADDRESS


def record_attempt(session: Session, key: str, remote_addr: str | None, succeeded: bool, now: datetime) -> None:
    """Store one login attempt."""
    session.add(LoginAttempt(username=key, remote_addr=remote_addr, succeeded=succeeded, attempted_at=now))
    session.flush()
