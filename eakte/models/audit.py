"""Tables of the append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class AuditEvent(Base):
    """One event in a stream (a case, a definition, an authority).

    ``hash`` covers all fields and ``prev_hash``, so changing or deleting any
    event breaks the chain of its stream. On PostgreSQL a trigger refuses
    UPDATE, DELETE and TRUNCATE on this table (see the migration).
    """

    __tablename__ = "eakte_audit_events"
    __table_args__ = (
        UniqueConstraint("stream", "seq"),
        Index("ix_eakte_audit_events_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(Integer)
    authority_id: Mapped[str | None] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    data: Mapped[dict]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The latest event of each stream; its row lock serializes appends."""

    __tablename__ = "eakte_audit_heads"

    stream: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
