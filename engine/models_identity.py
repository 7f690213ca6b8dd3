"""Tables of identity administration: groups and their members, UI login sessions, password resets.

A group (*Gruppe*, e.g. "Bauaufsicht Nord") is an authority's unit of people.
Its ``candidate_groups`` are the lanes and candidate groups of the process
models whose tasks its members work on; a user's ``groups`` column holds the
union of the candidate groups of all their groups (see engine/groups.py), so
the inbox reads one list and needs no join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow


class Group(Base):
    """A group of users of one authority, serving candidate groups (lanes) of the process models."""

    __tablename__ = "engine_groups"
    __table_args__ = (UniqueConstraint("authority_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    name: Mapped[str] = mapped_column(String(200))
    candidate_groups: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """Membership of a user in a group."""

    __tablename__ = "engine_group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("engine_groups.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), primary_key=True, index=True)


class LoginSession(Base):
    """A login to the web UI; the browser's cookie holds a secret whose SHA-256 is the id.

    The session counts only while ``ended_at`` is empty and ``expires_at`` is
    in the future: logout, a password change and "sign out everywhere" end it
    for every web process at once.
    """

    __tablename__ = "engine_login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))


class PasswordReset(Base):
    """A one-time link to set a new password; only the SHA-256 of its token is stored."""

    __tablename__ = "engine_password_resets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class IdentityGeneration(Base):
    """One number that moves whenever a user, an API token or an authority changes or goes.

    Moved by PostgreSQL triggers (migration 0012), never by code; web processes
    compare it with the number their verified tokens were checked at
    (web/token_cache.py). The table has exactly one row (``id`` 1).
    """

    __tablename__ = "engine_identity_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
