"""Documents and their immutable versions (xdomea-style metadata)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, new_id, utcnow

DOCUMENT_TYPES = (
    "Antrag", "Bauvorlage", "Stellungnahme", "Vermerk", "Bescheid", "Urkunde", "Protokoll",
    "Nachricht", "Anfrage", "Auskunft", "Sonstiges",
)
DIRECTIONS = ("incoming", "outgoing", "internal")
RENDITION_READY, RENDITION_PENDING, RENDITION_NONE = "ready", "pending", "none"


class Dokument(Base):
    """A document of a Vorgang: a stable identity with numbered versions."""

    __tablename__ = "eakte_dokumente"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    akte_id: Mapped[str] = mapped_column(ForeignKey("eakte_akten.id"), index=True)
    vorgang_id: Mapped[str] = mapped_column(ForeignKey("eakte_vorgaenge.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    doc_type: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    author: Mapped[str | None] = mapped_column(String(200))
    confidentiality: Mapped[str] = mapped_column(String(20), default="intern")
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_version: Mapped[int] = mapped_column(Integer, default=0)

    versions: Mapped[list[DokumentVersion]] = relationship(
        back_populates="dokument", order_by="DokumentVersion.version"
    )


class DokumentVersion(Base):
    """An immutable version: the primary file as received, plus an optional rendition."""

    __tablename__ = "eakte_dokument_versionen"
    __table_args__ = (UniqueConstraint("dokument_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dokument_id: Mapped[str] = mapped_column(ForeignKey("eakte_dokumente.id"))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    # What clerks open: a cleaned copy of a PDF with active content, or a readable PDF/A of structured data.
    rendition_key: Mapped[str | None] = mapped_column(String(200))
    rendition_sha256: Mapped[str | None] = mapped_column(String(64))
    rendition_media_type: Mapped[str | None] = mapped_column(String(120))
    # How the rendition is made when it is not made with the version (eakte/renditions.py); kept afterwards.
    rendition_recipe: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    findings: Mapped[list] = mapped_column(default=list)  # e.g. active content found in a PDF
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    destroyed_at: Mapped[datetime | None]

    dokument: Mapped[Dokument] = relationship(back_populates="versions")

    @property
    def rendition_status(self) -> str:
        """``ready`` (the rendition exists), ``pending`` (the worker makes it) or ``none`` (no rendition)."""
        if self.rendition_key is not None:
            return RENDITION_READY
        return RENDITION_PENDING if self.rendition_recipe is not None else RENDITION_NONE
