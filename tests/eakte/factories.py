"""Rows of the E-Akte for tests, created directly with the ORM models.

The services that create files and documents are tested on their own; these
helpers build the states other tests need (e.g. a closed file with documents
in a store) without going through them.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eakte.aufbewahrung import retention_until
from eakte.models import Akte, Dokument, DokumentVersion, FilePlanUnit, Vorgang
from eakte.storage import DocumentStore
from engine.models import Authority
from tests.eakte import pdf_samples

CLOSED_AT = datetime(2015, 3, 2, 9, 30, tzinfo=timezone.utc)


def make_authority(session: Session, name: str = "Stadt Grünhagen") -> Authority:
    """Create an authority with a unique slug."""
    authority = Authority(slug=f"f-{uuid.uuid4().hex[:12]}", name=name)
    session.add(authority)
    session.flush()
    return authority


def make_unit(
    session: Session, authority_id: str, *, code: str = "63.01", title: str = "Baugenehmigungen",
    retention_years: int | None = 10, disposal_code: str = "A",
) -> FilePlanUnit:
    """Create a file plan unit."""
    unit = FilePlanUnit(authority_id=authority_id, code=code, title=title, retention_years=retention_years,
                        disposal_code=disposal_code)
    session.add(unit)
    session.flush()
    return unit


def make_akte(
    session: Session, unit: FilePlanUnit, *, title: str = "Neubau Einfamilienhaus, Größere Straße 5",
    closed_at: datetime | None = CLOSED_AT, confidentiality: str = "intern",
) -> Akte:
    """Create a file in ``unit``; closed (zdA) at ``closed_at`` with the unit's retention, or open if ``None``."""
    akte = Akte(authority_id=unit.authority_id, unit_id=unit.id, title=title, confidentiality=confidentiality,
                aktenzeichen=f"{unit.code}-2014-{uuid.uuid4().hex[:8]}",
                created_at=(closed_at or datetime.now(timezone.utc)) - timedelta(days=90))
    session.add(akte)
    if closed_at is not None:
        close_akte(akte, unit, closed_at)
    session.flush()
    return akte


def close_akte(akte: Akte, unit: FilePlanUnit, closed_at: datetime) -> None:
    """Set zdA and snapshot retention years, disposal code and retention end from the unit."""
    akte.status = "closed"
    akte.closed_at = closed_at
    akte.closed_by = "sachbearbeiterin"
    akte.retention_years = unit.retention_years
    akte.disposal_code = unit.disposal_code
    akte.retention_until = retention_until(closed_at, unit.retention_years)


def add_vorgang(session: Session, akte: Akte, title: str, *, case_id: str | None = None) -> Vorgang:
    """Add the next Vorgang to a file."""
    number = len(akte.vorgaenge) + 1
    vorgang = Vorgang(akte_id=akte.id, number=number, title=title, case_id=case_id,
                      created_at=akte.created_at + timedelta(days=number), closed_at=akte.closed_at)
    session.add(vorgang)
    akte.vorgaenge.append(vorgang)
    session.flush()
    return vorgang


def add_dokument(
    session: Session, store: DocumentStore, vorgang: Vorgang, subject: str,
    versions: list[tuple[str, str, bytes]], *, doc_type: str = "Antrag", direction: str = "incoming",
    author: str | None = "Erika Müller", confidentiality: str = "intern",
) -> Dokument:
    """Add a document whose versions ``(filename, media_type, content)`` are put into ``store``."""
    existing = session.scalar(select(func.count()).select_from(Dokument).where(Dokument.vorgang_id == vorgang.id))
    created = vorgang.created_at + timedelta(hours=existing + 1)
    dokument = Dokument(akte_id=vorgang.akte_id, vorgang_id=vorgang.id, subject=subject, doc_type=doc_type,
                        direction=direction, author=author, confidentiality=confidentiality,
                        received_at=created if direction == "incoming" else None,
                        sent_at=created if direction == "outgoing" else None,
                        created_at=created, current_version=len(versions))
    session.add(dokument)
    session.flush()
    for number, (filename, media_type, content) in enumerate(versions, start=1):
        stored = store.put(io.BytesIO(content))
        session.add(DokumentVersion(
            dokument_id=dokument.id, version=number, filename=filename, media_type=media_type, size=stored.size,
            sha256=stored.sha256, storage_key=stored.key, created_by="erika.mueller",
            created_at=created + timedelta(minutes=number),
        ))
    session.flush()
    session.refresh(dokument)
    return dokument


def make_full_akte(session: Session, store: DocumentStore, unit: FilePlanUnit, **akte_options) -> Akte:
    """A closed file with two Vorgänge: PDFs (two versions), JSON data, an XML message and a text note.

    Every content includes the Aktenzeichen, so no two files share stored objects.
    """
    akte = make_akte(session, unit, **akte_options)
    az = akte.aktenzeichen
    antrag = add_vorgang(session, akte, "Bauantrag & Prüfung <Vollständigkeit>")
    add_dokument(session, store, antrag, "Bauantrag für \"Haus Sonnenblick\" – Größe 140 m²", [
        ("Bauantrag.pdf", "application/pdf", pdf_samples.clean() + f"\n% {az}\n".encode()),
        ("Bauantrag_geändert.pdf", "application/pdf", pdf_samples.clean() + f"\n% {az} Version 2\n".encode()),
    ], doc_type="Antrag")
    add_dokument(session, store, antrag, "Formulardaten Vollständigkeitsprüfung", [
        ("pruefung.json", "application/json", json.dumps({"az": az, "vollständig": True, "prüfer": "Jörg Weiß"}).encode()),
    ], doc_type="Protokoll", direction="internal")
    bescheid = add_vorgang(session, akte, "Bescheid")
    add_dokument(session, store, bescheid, "XBau-Nachricht 0205 bescheid", [
        ("bescheid.xml", "application/xml; charset=utf-8", f"<bescheid az='{az}'>Genehmigt &amp; gültig</bescheid>".encode()),
    ], doc_type="Bescheid", direction="outgoing")
    add_dokument(session, store, bescheid, "Vermerk: Rücksprache mit Bauherrin", [
        ("vermerk.txt", "text/plain", f"{az}: Telefonat am 1.3.: alles geklärt. <ok> & fertig".encode()),
    ], doc_type="Vermerk", direction="internal")
    return akte
