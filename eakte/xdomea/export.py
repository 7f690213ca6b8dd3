"""Export of a closed file as an xdomea 3.0.0 hand-over package (0503).

The package is a ZIP file holding

- ``<ProzessID>_Aussonderung.Aussonderung.0503.xml``: the message;
- one primary file per exported document version, named as the message's
  ``Dateiname`` says (``<version id>.<extension>``);
- ``<ProzessID>_sha256.txt``: SHA-256 of every other file in ``sha256sum``
  format, because xdomea 3.0.0 has no hash element.

The message is validated against the official schema before the package is
finished; an invalid message fails the export. The ZIP is written to a
temporary file next to the target and renamed at the end, so a failed export
leaves no partial package. In the database the export only adds an
``ArchiveHandover`` row and an ``akte.exported`` audit event (the caller's
transaction commits them).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.akten import akte_stream
from eakte.audit import record
from eakte.errors import EakteError
from eakte.models import Akte, ArchiveHandover, Dokument, FilePlanUnit, Vorgang
from eakte.pdf import PdfRejected, inspect_pdf
from eakte.renditions import ensure_renditions_of_akte
from eakte.storage import DocumentStore, StorageError
from eakte.xdomea import codes
from eakte.xdomea.history import collect_history
from eakte.xdomea.message import (
    MESSAGE_NAME,
    Header,
    PackagedDokument,
    PackagedVersion,
    PackagedVorgang,
    build_message,
    validate_contact,
)
from eakte.xdomea.schema import validate_xdomea
from engine.db import utcnow


class XdomeaExportError(EakteError):
    """The file cannot be exported (not closed, content missing or damaged); the message says why."""

    status = 409


@dataclass(frozen=True)
class ExportResult:
    """A written hand-over package.

    Attributes:
        path: Where the ZIP file was written.
        process_id: ``ProzessID`` of the 0503 message.
        package_sha256: SHA-256 of the ZIP file.
        message_xml: The message as written into the package.
        handover_id: Id of the ``ArchiveHandover`` row.
        files: Names of the primary files in the package.
    """

    path: Path
    process_id: str
    package_sha256: str
    message_xml: bytes
    handover_id: str
    files: list[str]


def message_file_name(process_id: str) -> str:
    """Return the xdomea file name of the 0503 message of a hand-over."""
    return f"{process_id}_{MESSAGE_NAME}.xml"


def manifest_file_name(process_id: str) -> str:
    """Return the name of the SHA-256 manifest in the package."""
    return f"{process_id}_sha256.txt"


def export_0503(
    session: Session,
    store: DocumentStore,
    akte: Akte,
    *,
    sender: dict,
    recipient: dict,
    actor: str,
    out: str | os.PathLike[str],
    receipt: bool = False,
) -> ExportResult:
    """Write the 0503 hand-over package of a closed file and record the hand-over.

    Args:
        session: Database session; the caller commits.
        store: Document store holding the primary files.
        akte: The file; it must be closed (zdA) and not disposed of.
        sender: Handing-over authority, see ``message.validate_contact``.
        recipient: The archive, same keys as ``sender``.
        actor: Who exports (recorded on the hand-over and in the audit log).
        out: Path of the ZIP file to write (replaced if it exists).
        receipt: Also ask the archive for a receipt (``Empfangsbestaetigung``, 0504-like);
            an import confirmation is always requested.

    Returns:
        Path, process id, package hash and message of the written package.

    Raises:
        XdomeaExportError: The file is not closed, a stored object is missing
            or damaged, or the message does not validate.
        ValueError: ``sender`` or ``recipient`` is incomplete.
        FileNotFoundError: The xdomea schema is not available.
    """
    if akte.status != "closed" or akte.closed_at is None:
        raise XdomeaExportError(
            f"file {akte.aktenzeichen} is {akte.status}: only closed files (zdA) can be handed over to the archive"
        )
    validate_contact(sender, "sender")
    validate_contact(recipient, "recipient")
    # The file leaves complete: renditions the worker has not made yet are made now (and audited before
    # the export). The package carries the primary files; a rendition is the clerks' reading copy.
    ensure_renditions_of_akte(session, store, akte, actor=actor)
    process_id = str(uuid.uuid4())
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".xdomea-", suffix=".zip.part")
    os.close(fd)
    try:
        with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            vorgaenge, manifest = _write_documents(session, store, akte, archive)
            dokument_ids = {d.dokument.id for v in vorgaenge for d in v.dokumente}
            history = collect_history(session, akte, [v.vorgang for v in vorgaenge], dokument_ids)
            header = Header(process_id, utcnow(), sender, recipient, product_version(), receipt)
            unit = session.get(FilePlanUnit, akte.unit_id)
            message = build_message(header, akte, unit, vorgaenge, history)
            errors = validate_xdomea(message)
            if errors:
                raise XdomeaExportError("the generated 0503 message is not valid xdomea 3.0.0: " + "; ".join(errors[:5]))
            archive.writestr(message_file_name(process_id), message)
            manifest.append((hashlib.sha256(message).hexdigest(), message_file_name(process_id)))
            archive.writestr(manifest_file_name(process_id), "".join(f"{h}  {n}\n" for h, n in manifest))
        package_sha256 = _file_sha256(temp_name)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    handover = ArchiveHandover(akte_id=akte.id, process_id=process_id, package_sha256=package_sha256,
                               exported_at=header.created_at, exported_by=actor)
    session.add(handover)
    session.flush()
    files = [name for _, name in manifest[:-1]]
    record(session, akte_stream(akte), "akte.exported", actor=actor, authority_id=akte.authority_id,
           data={"aktenzeichen": akte.aktenzeichen, "handover_id": handover.id, "process_id": process_id,
                 "package_sha256": package_sha256, "recipient": recipient["name"], "files": len(files)})
    return ExportResult(target, process_id, package_sha256, message, handover.id, files)


def _write_documents(
    session: Session, store: DocumentStore, akte: Akte, archive: zipfile.ZipFile
) -> tuple[list[PackagedVorgang], list[tuple[str, str]]]:
    """Copy the primary file of every non-destroyed version into the ZIP."""
    vorgaenge = session.scalars(
        select(Vorgang).where(Vorgang.akte_id == akte.id).order_by(Vorgang.number, Vorgang.created_at)
    ).all()
    manifest: list[tuple[str, str]] = []
    packaged_vorgaenge = []
    for vorgang in vorgaenge:
        dokumente = session.scalars(
            select(Dokument).where(Dokument.vorgang_id == vorgang.id).order_by(Dokument.created_at, Dokument.id)
        ).all()
        packaged_dokumente = []
        for dokument in dokumente:
            versions = []
            for version in dokument.versions:
                if version.destroyed_at is not None:
                    continue
                packaged, digest = _write_version(store, archive, dokument, version)
                versions.append(packaged)
                manifest.append((digest, packaged.file_name))
            packaged_dokumente.append(PackagedDokument(dokument, versions))
        packaged_vorgaenge.append(PackagedVorgang(vorgang, packaged_dokumente))
    return packaged_vorgaenge, manifest


def _write_version(store, archive: zipfile.ZipFile, dokument: Dokument, version) -> tuple[PackagedVersion, str]:
    is_pdf = version.media_type.split(";", 1)[0].strip().lower() == "application/pdf"
    preliminary = codes.file_format(version.media_type, version.filename)
    file_name = f"{version.id}.{preliminary.extension}"
    digest = hashlib.sha256()
    pdf_bytes = bytearray()
    try:
        with archive.open(file_name, "w") as target:
            for chunk in store.open(version.storage_key):
                digest.update(chunk)
                target.write(chunk)
                if is_pdf:
                    pdf_bytes += chunk
    except StorageError as error:
        raise XdomeaExportError(
            f"document {dokument.subject!r} version {version.version}: stored file cannot be read ({error})"
        ) from error
    if digest.hexdigest() != version.sha256:
        raise XdomeaExportError(
            f"document {dokument.subject!r} version {version.version}: stored bytes do not match the recorded SHA-256"
        )
    file_format, format_version = preliminary, ""
    if is_pdf:
        try:
            report = inspect_pdf(bytes(pdf_bytes))
        except PdfRejected:
            pass  # kept as received; described as plain PDF without a version
        else:
            file_format = codes.file_format(version.media_type, version.filename, pdfa=bool(report.is_pdfa))
            format_version = report.pdf_version
    return PackagedVersion(version, file_name, file_format, format_version), digest.hexdigest()


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def product_version() -> str | None:
    """Return the installed version of Aktenfluss for ``SendendesSystem``, if known."""
    try:
        return importlib.metadata.version("aktenfluss")
    except importlib.metadata.PackageNotFoundError:
        return None
