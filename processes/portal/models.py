"""Tables of the applicant portal: applicant accounts (pseudonyms only) and their cases.

An applicant is known by the identity provider's pseudonymous subject id
(``sub`` of the eID broker, e.g. BundID or the MV-Servicekonto) and the
assurance level of the last identification (Vertrauensniveau). Names and
addresses are not kept here: they live in the session while the applicant is
signed in, and in the case data where the procedure needs them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, new_id, utcnow

LINK_CHANNELS = ("portal", "fitconnect")


class ApplicantAccount(Base):
    """An applicant's pseudonymous identity at one identity provider."""

    __tablename__ = "portal_accounts"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    assurance: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    signed_out_at: Mapped[datetime | None]
    """Portal sessions that began before this moment no longer count (signing out ends every copy of the cookie)."""


class CaseLink(Base):
    """A case that belongs to an applicant (started in the portal or received for them through FIT-Connect)."""

    __tablename__ = "portal_case_links"
    __table_args__ = (UniqueConstraint("case_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("portal_accounts.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    channel: Mapped[str] = mapped_column(String(20))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
