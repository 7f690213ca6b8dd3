"""Offering files to the archive and taking in its answers (xdomea 3.0.0).

The four-stage disposal with the archive:

1. ``offer_to_archive`` writes an offer list (``Aussonderung.Anbieteverzeichnis.0501``)
   for due A and B files; each offered file gets an ``ArchiveOffer`` row and an
   ``akte.offered`` audit event.
2. ``import_appraisal`` reads the archive's appraisal
   (``Aussonderung.Bewertungsverzeichnis.0502``, same ``ProzessID`` as the
   offer) and records per file whether the archive wants it (A) or declines it
   (V), with an ``akte.appraised`` event. A declined file may be destroyed
   without a hand-over (``eakte.aussonderung.destroy_akte``).
3. A wanted file is handed over with a 0503 package (``eakte.xdomea.export_0503``).
4. ``import_archive_confirmation`` reads the archive's import confirmation
   (``Aussonderung.AussonderungImportBestaetigen.0506``, same ``ProzessID`` as the
   0503) and records the archive's reference with ``confirm_archive``; a failed
   import is recorded as ``akte.archive_import_failed`` and confirms nothing.

(In xdomea 3.0.0, 0504 and 0505 are mere receipts of the offer list and of the
appraisal; they change nothing here.)

Imports check the whole message before they change anything: an object the
offer or hand-over does not contain, a file of another authority, a second
decision for the same file or a decision the standard gives but that is no
decision (B) refuses the whole message, naming each problem.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.akten import akte_stream, get_akte
from eakte.audit import record
from eakte.aussonderung import AussonderungError, DueFile, confirm_archive, due_for_disposal
from eakte.models import Akte, ArchiveHandover, ArchiveOffer, FilePlanUnit
from eakte.xdomea.export import XdomeaExportError, product_version
from eakte.xdomea.incoming import Head, XdomeaMessageRejected, read_appraisal, read_import_confirmation
from eakte.xdomea.message import OFFER_MESSAGE_NAME, Header, build_offer_message, validate_contact
from eakte.xdomea.schema import validate_xdomea
from engine.db import utcnow

DECISIONS = {"A": "archivieren", "V": "vernichten"}


@dataclass(frozen=True)
class OfferResult:
    """A written offer list.

    Attributes:
        path: Where the message was written, if a path was given.
        process_id: ``ProzessID`` of the 0501 message; the archive's 0502 answers it.
        message_xml: The message as written.
        aktenzeichen: The offered files.
    """

    path: Path | None
    process_id: str
    message_xml: bytes
    aktenzeichen: list[str]


@dataclass(frozen=True)
class AppraisalResult:
    """What an imported appraisal decided.

    Attributes:
        process_id: ``ProzessID`` of the offer it answers.
        decisions: Aktenzeichen -> ``A`` (archive) or ``V`` (destroy), in message order.
        not_appraised: Offered files the message does not mention (still waiting).
    """

    process_id: str
    decisions: dict[str, str]
    not_appraised: list[str]


@dataclass(frozen=True)
class ImportConfirmationResult:
    """What an imported import confirmation said about the handed-over file.

    Attributes:
        process_id: ``ProzessID`` of the hand-over (0503).
        aktenzeichen: The handed-over file.
        handover_id: Id of the ``ArchiveHandover``.
        archive_reference: The archive's reference if the import succeeded, else ``None``.
        errors: The archive's error messages if the import failed.
    """

    process_id: str
    aktenzeichen: str
    handover_id: str
    archive_reference: str | None
    errors: list[str]


def offer_message_file_name(process_id: str) -> str:
    """Return the xdomea file name of a 0501 offer list."""
    return f"{process_id}_{OFFER_MESSAGE_NAME}.xml"


def offer_to_archive(
    session: Session,
    authority_id: str,
    *,
    sender: dict,
    recipient: dict,
    actor: str,
    today: date,
    out: str | os.PathLike[str] | None = None,
    aktenzeichen: list[str] | None = None,
    receipt: bool = False,
) -> OfferResult:
    """Write a 0501 offer list for due A and B files and record the offer.

    Without ``aktenzeichen`` every due A or B file of the authority is offered
    that has been neither offered nor handed over since its last closing.

    Args:
        session: Database session; the caller commits.
        authority_id: The offering authority.
        sender: The authority as xdomea contact (see ``message.validate_contact``).
        recipient: The archive, same keys.
        actor: Who offers (recorded on the offer and in the audit log).
        today: Reference date for "due".
        out: Path of the XML file to write (replaced if it exists); ``None``: only return it.
        aktenzeichen: Offer only these files; each must be due, marked A or B, and
            neither offered nor handed over since its last closing.
        receipt: Ask the archive for a receipt (0504).

    Returns:
        Path, process id, message and the offered files.

    Raises:
        NotFound: A named file does not exist in the authority.
        AussonderungError: A named file cannot be offered, or there is nothing to offer.
        XdomeaExportError: The generated message is not valid xdomea 3.0.0.
        ValueError: ``sender`` or ``recipient`` is incomplete.
        FileNotFoundError: The xdomea schema is not available.
    """
    validate_contact(sender, "sender")
    validate_contact(recipient, "recipient")
    due = {entry.aktenzeichen: entry for entry in due_for_disposal(session, authority_id, today)}
    if aktenzeichen:
        selected = [_offerable(session, authority_id, name, due.get(name)) for name in dict.fromkeys(aktenzeichen)]
    else:
        selected = [entry for entry in due.values() if entry.disposal_code in ("A", "B")
                    and entry.offer_process_id is None and entry.handover_id is None]
        if not selected:
            raise AussonderungError("there is no due A or B file to offer to the archive that has not been "
                                    "offered or handed over yet")
    akten = [session.get(Akte, entry.akte_id) for entry in selected]
    header = Header(str(uuid.uuid4()), utcnow(), sender, recipient, product_version(), receipt)
    message = build_offer_message(header, [(akte, session.get(FilePlanUnit, akte.unit_id)) for akte in akten])
    errors = validate_xdomea(message)
    if errors:
        raise XdomeaExportError("the generated 0501 message is not valid xdomea 3.0.0: " + "; ".join(errors[:5]))
    for akte in akten:
        session.add(ArchiveOffer(akte_id=akte.id, process_id=header.process_id, disposal_code=akte.disposal_code,
                                 offered_at=header.created_at, offered_by=actor))
    session.flush()
    for akte in akten:
        record(session, akte_stream(akte), "akte.offered", actor=actor, authority_id=akte.authority_id,
               data={"aktenzeichen": akte.aktenzeichen, "process_id": header.process_id,
                     "disposal_code": akte.disposal_code, "recipient": recipient["name"], "files": len(akten)})
    target = _write_atomically(Path(out), message) if out is not None else None
    return OfferResult(target, header.process_id, message, [akte.aktenzeichen for akte in akten])


def import_appraisal(session: Session, authority_id: str, data: bytes, *, actor: str) -> AppraisalResult:
    """Record the archive's appraisal (0502) of an offer list of the authority.

    Args:
        session: Database session; the caller commits.
        authority_id: The authority whose offer the message answers.
        data: The message bytes.
        actor: Who imports (recorded on the offers and in the audit log).

    Returns:
        The decisions per file and the offered files still waiting.

    Raises:
        XdomeaMessageRejected: The message is unreadable or invalid, answers no offer
            of the authority, or names an object that was not offered, is already
            appraised or carries no decision; nothing was changed.
        FileNotFoundError: The xdomea schema is not available.
    """
    appraisal = read_appraisal(data)
    head = appraisal.head
    offers = {offer.akte_id: (offer, akte) for offer, akte in session.execute(
        select(ArchiveOffer, Akte).join(Akte, ArchiveOffer.akte_id == Akte.id)
        .where(ArchiveOffer.process_id == head.process_id, Akte.authority_id == authority_id)
        .order_by(Akte.aktenzeichen)
    )}
    if not offers:
        raise XdomeaMessageRejected(
            f"the appraisal answers no offer list of this authority: there is no 0501 with ProzessID {head.process_id}")
    problems, seen = [], set()
    for item in appraisal.objects:
        where = f"line {item.line}: object {item.object_id}"
        offer, akte = offers.get(item.object_id, (None, None))
        if item.object_id in seen:
            problems.append(f"{where} is appraised more than once")
        elif offer is None:
            problems.append(f"{where} was not offered in the offer list {head.process_id} (unknown or foreign ID)")
        elif item.code not in DECISIONS:
            given = f"Aussonderungsart {item.code!r}" if item.code else (
                f"AussonderungsartKonfigurierbar {item.configurable!r}")
            problems.append(f"{where} (file {akte.aktenzeichen}): {given} is no decision; expected A (archivieren) "
                            "or V (vernichten)")
        elif offer.appraisal is not None:
            problems.append(f"{where} (file {akte.aktenzeichen}) was already appraised ({offer.appraisal}) on "
                            f"{offer.appraised_at:%Y-%m-%d}")
        elif akte.status != "closed" or akte.closed_at is None or akte.closed_at > offer.offered_at:
            problems.append(f"{where} (file {akte.aktenzeichen}) was reopened or destroyed after it was offered; "
                            "offer it again after its closing")
        seen.add(item.object_id)
    if problems:
        raise XdomeaMessageRejected(
            f"the appraisal cannot be imported, nothing was changed: {len(problems)} problem(s): {problems[0]}",
            problems)
    now = utcnow()
    decisions = {}
    for item in appraisal.objects:
        offer, akte = offers[item.object_id]
        offer.appraisal, offer.appraised_at, offer.appraised_by = item.code, now, actor
        decisions[akte.aktenzeichen] = item.code
        record(session, akte_stream(akte), "akte.appraised", actor=actor, authority_id=akte.authority_id,
               occurred_at=now,
               data={"aktenzeichen": akte.aktenzeichen, "process_id": head.process_id, "appraisal": item.code,
                     "disposal_code": offer.disposal_code, "message": _message_data("0502", head)})
    session.flush()
    waiting = [akte.aktenzeichen for offer, akte in offers.values() if offer.appraisal is None]
    return AppraisalResult(head.process_id, decisions, waiting)


def import_archive_confirmation(
    session: Session, authority_id: str, data: bytes, *, actor: str
) -> ImportConfirmationResult:
    """Record the archive's import confirmation (0506) of a hand-over of the authority.

    Args:
        session: Database session; the caller commits.
        authority_id: The authority whose hand-over the message answers.
        data: The message bytes.
        actor: Who imports.

    Returns:
        The archive's reference (import succeeded) or its error messages (failed).

    Raises:
        XdomeaMessageRejected: The message is unreadable or invalid, answers no
            hand-over of the authority, names another object, lacks the archive's
            reference, or the hand-over is already confirmed; nothing was changed.
        FileNotFoundError: The xdomea schema is not available.
    """
    confirmation = read_import_confirmation(data)
    head = confirmation.head
    row = session.execute(
        select(ArchiveHandover, Akte).join(Akte, ArchiveHandover.akte_id == Akte.id)
        .where(ArchiveHandover.process_id == head.process_id, Akte.authority_id == authority_id)
    ).first()
    if row is None:
        raise XdomeaMessageRejected(
            f"the import confirmation answers no hand-over of this authority: there is no 0503 with ProzessID "
            f"{head.process_id}")
    handover, akte = row
    problems = []
    for item in confirmation.objects:
        where = f"line {item.line}: object {item.object_id}"
        if item.object_id != akte.id:
            problems.append(f"{where} was not handed over in process {head.process_id}, which holds file "
                            f"{akte.aktenzeichen} ({akte.id}) (unknown or foreign ID)")
        elif item.success and not item.archive_reference:
            problems.append(f"{where}: the archive reports a successful import but no Archivkennung, which the "
                            "hand-over asked for (RueckmeldungArchivkennung)")
    if len(confirmation.objects) > 1:
        problems.append(f"the message reports {len(confirmation.objects)} results; the hand-over holds one file")
    if handover.confirmed_at is not None:
        problems.append(f"hand-over {handover.id} of file {akte.aktenzeichen} was already confirmed on "
                        f"{handover.confirmed_at:%Y-%m-%d} (reference {handover.archive_reference})")
    if problems:
        raise XdomeaMessageRejected(
            f"the import confirmation cannot be imported, nothing was changed: {len(problems)} problem(s): "
            f"{problems[0]}", problems)
    item = confirmation.objects[0]
    message = _message_data("0506", head)
    if item.success:
        confirm_archive(session, handover.id, actor=actor, archive_reference=item.archive_reference, message=message)
        return ImportConfirmationResult(head.process_id, akte.aktenzeichen, handover.id, item.archive_reference, [])
    record(session, akte_stream(akte), "akte.archive_import_failed", actor=actor, authority_id=akte.authority_id,
           data={"aktenzeichen": akte.aktenzeichen, "handover_id": handover.id, "process_id": head.process_id,
                 "errors": item.errors, "message": message})
    return ImportConfirmationResult(head.process_id, akte.aktenzeichen, handover.id, None, item.errors)


def _offerable(session: Session, authority_id: str, name: str, entry: DueFile | None) -> DueFile:
    """Return the due-list entry of a named file, or say why it cannot be offered."""
    if entry is None:
        akte = get_akte(session, authority_id, aktenzeichen=name)  # NotFound for an unknown file
        raise AussonderungError(f"file {akte.aktenzeichen} is not due for disposal (it must be closed and its "
                                "retention period ended)")
    if entry.disposal_code not in ("A", "B"):
        raise AussonderungError(f"file {name} is marked {entry.disposal_code or 'without a disposal code'}: only A "
                                "and B files are offered to the archive")
    if entry.offer_process_id is not None:
        raise AussonderungError(f"file {name} was already offered to the archive (process {entry.offer_process_id})")
    if entry.handover_id is not None:
        raise AussonderungError(f"file {name} was already handed over to the archive (hand-over {entry.handover_id})")
    return entry


def _message_data(code: str, head: Head) -> dict:
    return {"type": code, "process_id": head.process_id, "created_at": head.created_at.isoformat(),
            "sender": head.sender}


def _write_atomically(target: Path, content: bytes) -> Path:
    """Write to a temporary file next to ``target`` and rename it, so no partial file is left."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".xdomea-", suffix=".xml.part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
