"""Digital delivery (Zustellung) of a notice by download link (§ 41(2a) VwVfG, § 9 OZG)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eakte.models.dokument import Dokument
from engine.db import Base, new_id, utcnow

MAX_RECIPIENT_LENGTH = 300


class Zustellung(Base):
    """A notice made available to a recipient for download; proves when and whether it was fetched."""

    __tablename__ = "eakte_zustellungen"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    akte_id: Mapped[str] = mapped_column(ForeignKey("eakte_akten.id"), index=True)
    dokument_id: Mapped[str] = mapped_column(ForeignKey("eakte_dokumente.id"))
    version: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(MAX_RECIPIENT_LENGTH))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    made_available_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    first_downloaded_at: Mapped[datetime | None]
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(200))

    dokument: Mapped[Dokument] = relationship()
