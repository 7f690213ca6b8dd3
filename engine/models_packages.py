"""Tables of procedure packages: connector systems an authority configured, and packages it imported.

A package declares the connector operations it calls and names the
specialist *system* each goes to (``alkis``, ``gewerberegister``); where a
system is (its address, its timeout, the headers it needs) is configuration of
the authority: in the connectors file (AKTENFLUSS_CONNECTORS_FILE) or, set in
the UI, in ``engine_connector_systems``. Credentials are never stored there:
header values name environment variables (``Bearer ${GEWERBE_TOKEN}``).

A package imported from another authority (*Einer für Alle*) is recorded in
``engine_package_imports``; the importing authority cannot start cases of it
until it has configured what the package needs (processes/packages/setup.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow


class ConnectorSystem(Base):
    """Where one specialist system is for one authority."""

    __tablename__ = "engine_connector_systems"
    __table_args__ = (UniqueConstraint("authority_id", "system"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    system: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    timeout: Mapped[float] = mapped_column(Float, default=10.0)
    headers: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))


class PackageImport(Base):
    """A package an authority took over from another one; its cases wait until the authority set it up."""

    __tablename__ = "engine_package_imports"
    __table_args__ = (Index("ix_engine_package_imports_authority_key", "authority_id", "process_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[str] = mapped_column(ForeignKey("engine_process_definitions.id"))
    source: Mapped[str | None] = mapped_column(String(300))
    package_version: Mapped[str | None] = mapped_column(String(50))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(200))
