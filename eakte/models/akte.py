"""The case file (Akte) and its transactions (Vorgänge)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, new_id, utcnow

AKTE_STATUSES = ("open", "closed", "disposed")


class Akte(Base):
    """A case file with an Aktenzeichen that is unique in its authority and never reused."""

    __tablename__ = "eakte_akten"
    __table_args__ = (UniqueConstraint("authority_id", "aktenzeichen"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("eakte_file_plan_units.id"))
    aktenzeichen: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="open")
    confidentiality: Mapped[str] = mapped_column(String(20), default="intern")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]  # zdA
    closed_by: Mapped[str | None] = mapped_column(String(200))
    # Snapshotted at zdA from the file plan unit (rules on the type, result on the instance).
    retention_years: Mapped[int | None] = mapped_column(Integer)
    disposal_code: Mapped[str | None] = mapped_column(String(1))
    retention_until: Mapped[date | None] = mapped_column(Date)
    disposed_at: Mapped[datetime | None]

    vorgaenge: Mapped[list[Vorgang]] = relationship(back_populates="akte", order_by="Vorgang.created_at")


class Vorgang(Base):
    """One run of a procedure inside a file, linked to the engine's case."""

    __tablename__ = "eakte_vorgaenge"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    akte_id: Mapped[str] = mapped_column(ForeignKey("eakte_akten.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    akte: Mapped[Akte] = relationship(back_populates="vorgaenge")


class ArchiveHandover(Base):
    """An xdomea hand-over (0503) of a closed file to the archive, and its confirmation."""

    __tablename__ = "eakte_archive_handovers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    akte_id: Mapped[str] = mapped_column(ForeignKey("eakte_akten.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(36))  # xdomea ProzessID of the 0503 message
    package_sha256: Mapped[str] = mapped_column(String(64))
    exported_at: Mapped[datetime] = mapped_column(default=utcnow)
    exported_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    archive_reference: Mapped[str | None] = mapped_column(String(200))


class ArchiveOffer(Base):
    """A closed file offered to the archive in an xdomea offer list (0501), and the archive's appraisal (0502)."""

    __tablename__ = "eakte_archive_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    akte_id: Mapped[str] = mapped_column(ForeignKey("eakte_akten.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(36), index=True)  # xdomea ProzessID of the 0501 message
    disposal_code: Mapped[str] = mapped_column(String(1))  # the file's code when it was offered (A or B)
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered_by: Mapped[str | None] = mapped_column(String(200))
    appraisal: Mapped[str | None] = mapped_column(String(1))  # the archive's decision: A (archive) or V (destroy)
    appraised_at: Mapped[datetime | None]
    appraised_by: Mapped[str | None] = mapped_column(String(200))
