"""The file plan (Aktenplan) of an authority and running numbers per unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow

DISPOSAL_CODES = ("A", "B", "V")  # archivwürdig, bewerten, vernichten
CONFIDENTIALITY_LEVELS = ("offen", "intern", "vertraulich", "geheim")


class FilePlanUnit(Base):
    """A unit (Betreffseinheit) of an authority's file plan."""

    __tablename__ = "eakte_file_plan_units"
    __table_args__ = (UniqueConstraint("authority_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    retention_years: Mapped[int | None] = mapped_column(Integer)  # None: kept permanently
    disposal_code: Mapped[str] = mapped_column(String(1))
    confidentiality: Mapped[str] = mapped_column(String(20), default="intern")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessUnitMapping(Base):
    """Which file plan unit the cases of a process are filed under, per authority."""

    __tablename__ = "eakte_process_units"
    __table_args__ = (UniqueConstraint("authority_id", "process_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("eakte_file_plan_units.id"))


class FileNumberCounter(Base):
    """The last running number used per authority, unit and year (never reused)."""

    __tablename__ = "eakte_file_number_counters"

    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
