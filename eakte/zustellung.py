"""Notices: issue them sealed into the file, and deliver them by download link.

Digital delivery (§ 41(2a) VwVfG, § 9 OZG): a notice is made available for
download under a random link; the authority must be able to prove when it
was made available and when it was first downloaded. Both are stored on the
delivery (``eakte_zustellungen``) and written to the case's audit stream.
Only the SHA-256 of the link token is stored, so the database cannot hand out
working links.

Closed files (zdA): no new deliveries, but downloads of existing ones are
still recorded, since the delivery records are the proof of notification.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, contains_eager

from eakte import audit
from eakte.akten import akte_stream, ensure_writable
from eakte.dokumente import get_version, store_document
from eakte.errors import EakteError, NotDeliverable, NotFound
from eakte.intake import CheckedContent, safe_filename
from eakte.models import Akte, Dokument, DokumentVersion, Vorgang, Zustellung
from eakte.models.zustellung import MAX_RECIPIENT_LENGTH
from eakte.rendering import DocumentMeta, render_pdf
from eakte.siegel import SEAL_LEVEL, Sealer, seal_pdf
from eakte.storage import DocumentStore

DELIVERABLE_TYPES = ("Bescheid", "Urkunde")
"""Document types that may be delivered (outgoing only); there is no separate fee-notice type."""
DEFAULT_TTL_DAYS = 10
"""§ 41(2a) sentence 4 VwVfG: availability ends if the notice is not fetched within ten days of notification."""
MAX_TTL_DAYS = 90
TOKEN_BYTES = 32
UNSEALED_FINDING = "not sealed: no seal certificate is configured"
SEALED_FINDING_PREFIX = "sealed: "
LINK_UNAVAILABLE = ("Dieser Link ist ungültig oder abgelaufen. / "
                    "This link is invalid or has expired.")
"""The same answer for unknown, expired and withdrawn links: nothing about other links is revealed."""
DOWNLOADED, AVAILABLE, EXPIRED = "downloaded", "available", "expired"
"""Where a delivery stands (``delivery_state``)."""


def issue_notice(
    session: Session,
    store: DocumentStore,
    sealer: Sealer | None,
    vorgang: Vorgang,
    *,
    template: str,
    context: dict,
    meta: DocumentMeta,
    subject: str,
    doc_type: str,
    actor: str | None,
    now: datetime,
) -> DokumentVersion:
    """Render a notice or certificate as PDF/A, seal it and file it as an outgoing document.

    Without a sealer the notice is filed unsealed, and the version's findings
    say so (``UNSEALED_FINDING``); a sealed version carries a finding starting
    with ``SEALED_FINDING_PREFIX`` that names the level and the seal
    certificate. The findings are part of the ``document.stored`` audit event.

    Args:
        session: The caller's transaction.
        store: Document store for the PDF.
        sealer: The authority's seal, or ``None`` if none is configured.
        vorgang: The Vorgang the notice belongs to (its file must be open).
        template: Template in ``eakte/templates`` (``notice.html``, ``certificate.html``).
        context: Template values.
        meta: Document metadata (title, Aktenzeichen, author, authority, time).
        subject: Subject of the document in the file.
        doc_type: Document type, e.g. ``Bescheid`` or ``Urkunde``.
        actor: Who issues it (user name, or ``None`` for the system).
        now: Filing time.

    Returns:
        Version 1 of the new outgoing document.
    """
    return file_notice(session, store, sealer, vorgang, render_pdf(template, context, meta), meta=meta,
                       subject=subject, doc_type=doc_type, actor=actor, now=now)


def file_notice(
    session: Session,
    store: DocumentStore,
    sealer: Sealer | None,
    vorgang: Vorgang,
    pdf: bytes,
    *,
    meta: DocumentMeta,
    subject: str,
    doc_type: str,
    actor: str | None,
    now: datetime,
) -> DokumentVersion:
    """Seal a rendered PDF/A notice (if a seal is configured) and file it as an outgoing document.

    ``issue_notice`` without the rendering: for documents made from a package's template.
    """
    if sealer is None:
        finding = UNSEALED_FINDING
    else:
        pdf = seal_pdf(pdf, sealer)
        finding = f"{SEALED_FINDING_PREFIX}{SEAL_LEVEL} by {sealer.subject}"
    content = CheckedContent(pdf, safe_filename(meta.title, ".pdf"), "application/pdf", findings=[finding])
    return store_document(session, store, vorgang, content, subject=subject, doc_type=doc_type,
                          direction="outgoing", actor=actor, now=now, author=meta.author)


def is_sealed(version: DokumentVersion) -> bool:
    """Tell whether this version was sealed when it was issued (by ``issue_notice``)."""
    return any(finding.startswith(SEALED_FINDING_PREFIX) for finding in version.findings or ())


def is_deliverable(dokument: Dokument) -> bool:
    """Tell whether a document may be delivered by download: an outgoing document of a ``DELIVERABLE_TYPES`` type."""
    return dokument.direction == "outgoing" and dokument.doc_type in DELIVERABLE_TYPES


def make_available(
    session: Session, version: DokumentVersion, *, recipient: str, now: datetime, ttl_days: int = DEFAULT_TTL_DAYS,
    actor: str | None,
) -> tuple[Zustellung, str]:
    """Make a notice available for download by a recipient.

    Args:
        session: The caller's transaction.
        version: The version to deliver (an outgoing Bescheid or Urkunde).
        recipient: Who it is for (name, address or account of the applicant).
        now: When it is made available.
        ttl_days: How long the link works.
        actor: The clerk making it available.

    Returns:
        The delivery and the link token. The token is returned only here;
        only its SHA-256 is stored.

    Raises:
        NotDeliverable: The document cannot be delivered (type, direction,
            destroyed version).
        EakteError: The input is invalid.
        FileClosed: The file is closed (zdA).
    """
    dokument = version.dokument
    if not is_deliverable(dokument):
        raise NotDeliverable(f"only outgoing documents of type {' or '.join(DELIVERABLE_TYPES)} can be delivered; "
                             f"this is an {dokument.direction} '{dokument.doc_type}'")
    if version.destroyed_at is not None:
        raise NotDeliverable("this version was destroyed and cannot be delivered")
    recipient = (recipient or "").strip()
    if not recipient or len(recipient) > MAX_RECIPIENT_LENGTH:
        raise EakteError(f"the recipient must have 1 to {MAX_RECIPIENT_LENGTH} characters")
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise EakteError(f"ttl_days must be between 1 and {MAX_TTL_DAYS}")
    akte = session.get(Akte, dokument.akte_id)
    ensure_writable(akte)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    zustellung = Zustellung(
        akte_id=akte.id, dokument_id=dokument.id, version=version.version, recipient=recipient,
        token_sha256=_token_hash(token), made_available_at=now, expires_at=now + timedelta(days=ttl_days),
        download_count=0, created_by=actor,
    )
    session.add(zustellung)
    session.flush()
    vorgang = session.get(Vorgang, dokument.vorgang_id)
    audit.record(
        session, _stream_of(vorgang, akte), "notice.made_available", actor=actor, authority_id=akte.authority_id,
        case_id=vorgang.case_id, occurred_at=now,
        data={"delivery_id": zustellung.id, "document_id": dokument.id, "version": version.version,
              "subject": dokument.subject, "sha256": version.sha256, "recipient": recipient,
              "made_available_at": now.isoformat(), "expires_at": zustellung.expires_at.isoformat(),
              "sealed": is_sealed(version)},
    )
    return zustellung, token


def download(
    session: Session, store: DocumentStore, token: str, *, now: datetime, remote_addr: str | None,
) -> tuple[Zustellung, DokumentVersion, Iterator[bytes]]:
    """Hand out a delivered notice for an (anonymous) link and record the download.

    The first download time is kept, later downloads only count; every
    download is written to the case's audit stream with the client address
    shortened (IPv4 to /24, IPv6 to /48).

    Returns:
        The delivery, the delivered version and its content stream.

    Raises:
        NotFound: The token is unknown or expired, or the version is gone;
            always with the same neutral message.
    """
    zustellung = session.scalar(select(Zustellung).where(Zustellung.token_sha256 == _token_hash(token)))
    if zustellung is None or now >= zustellung.expires_at:
        raise NotFound(LINK_UNAVAILABLE)
    return _hand_out(session, store, zustellung, now=now, remote_addr=remote_addr, actor=None, via=None)


def download_by_recipient(
    session: Session, store: DocumentStore, zustellung_id: str, akte_id: str, *, now: datetime,
    remote_addr: str | None, actor: str, via: str,
) -> tuple[Zustellung, DokumentVersion, Iterator[bytes]]:
    """Hand out a delivered notice to its recipient signed in elsewhere (e.g. the applicant portal) and record it.

    The same proof as a download by link: first download kept, every download
    counted and written to the case's audit stream, with the recipient's
    account as actor and the way (``via``) named.

    Raises:
        NotFound: No such delivery in this file, it has expired, or the version is gone.
    """
    zustellung = session.scalar(select(Zustellung).where(Zustellung.id == zustellung_id,
                                                         Zustellung.akte_id == akte_id))
    if zustellung is None or now >= zustellung.expires_at:
        raise NotFound("Dieser Bescheid ist nicht (mehr) zum Abruf bereit.")
    return _hand_out(session, store, zustellung, now=now, remote_addr=remote_addr, actor=actor, via=via)


def _hand_out(session: Session, store: DocumentStore, zustellung: Zustellung, *, now: datetime,
              remote_addr: str | None, actor: str | None, via: str | None,
              ) -> tuple[Zustellung, DokumentVersion, Iterator[bytes]]:
    akte = session.get(Akte, zustellung.akte_id)
    try:
        version = get_version(session, akte.authority_id, zustellung.dokument_id, zustellung.version)
    except NotFound:
        raise NotFound(LINK_UNAVAILABLE) from None
    # One statement, so concurrent first downloads cannot both count as the first.
    session.execute(
        update(Zustellung).where(Zustellung.id == zustellung.id)
        .values(download_count=Zustellung.download_count + 1,
                first_downloaded_at=func.coalesce(Zustellung.first_downloaded_at, now))
        .execution_options(synchronize_session=False)
    )
    session.refresh(zustellung)
    vorgang = session.get(Vorgang, version.dokument.vorgang_id)
    data = {"delivery_id": zustellung.id, "document_id": zustellung.dokument_id, "version": version.version,
            "sha256": version.sha256, "downloaded_at": now.isoformat(),
            "first_downloaded_at": zustellung.first_downloaded_at.isoformat(),
            "download_count": zustellung.download_count, "client": truncate_address(remote_addr)}
    if via is not None:
        data["via"] = via
    audit.record(session, _stream_of(vorgang, akte), "notice.downloaded", actor=actor, authority_id=akte.authority_id,
                 case_id=vorgang.case_id, occurred_at=now, data=data)
    return zustellung, version, store.open(version.storage_key)


def deliveries_of_document(session: Session, authority_id: str, dokument_id: str) -> list[Zustellung]:
    """Return the deliveries of a document of the authority, oldest first.

    Raises:
        NotFound: No such document in the authority.
    """
    get_version(session, authority_id, dokument_id)
    return list(session.scalars(
        select(Zustellung).where(Zustellung.dokument_id == dokument_id)
        .order_by(Zustellung.made_available_at, Zustellung.id)
    ))


def deliveries_of_akte(session: Session, authority_id: str, akte_id: str) -> list[Zustellung]:
    """Return the deliveries of a file of the authority, oldest first, with their documents (one query).

    A file of another authority (or none) has no deliveries here.
    """
    return list(session.scalars(
        select(Zustellung).join(Zustellung.dokument).join(Akte, Akte.id == Zustellung.akte_id)
        .where(Zustellung.akte_id == akte_id, Akte.authority_id == authority_id)
        .options(contains_eager(Zustellung.dokument))
        .order_by(Zustellung.made_available_at, Zustellung.id)
    ))


def delivery_state(zustellung: Zustellung, now: datetime) -> str:
    """Tell where a delivery stands at ``now``.

    Returns:
        ``DOWNLOADED`` once fetched (the notice counts as notified the day
        after, § 41(2a) sentence 3 VwVfG), ``AVAILABLE`` while the link works,
        ``EXPIRED`` if it was not fetched in time: the notice is not notified
        and must be made known another way (sentence 5).
    """
    if zustellung.first_downloaded_at is not None:
        return DOWNLOADED
    return AVAILABLE if now < zustellung.expires_at else EXPIRED


def truncate_address(address: str | None) -> str | None:
    """Shorten a client IP address for the log: IPv4 to its /24, IPv6 to its /48 network."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stream_of(vorgang: Vorgang, akte: Akte) -> str:
    return audit.case_stream(vorgang.case_id) if vorgang.case_id else akte_stream(akte)
