"""Reading the archive's xdomea 3.0.0 answers: appraisal (0502) and import confirmation (0506).

Every message is read with a hardened parser (no network, no DTD, no entity
expansion, no huge trees; a DOCTYPE is refused outright), must not exceed
``MAX_MESSAGE_BYTES``, must have the expected root element and must validate
against the official schema before anything is taken from it. The readers
only turn the message into plain data; matching it against offers and
hand-overs is the job of ``eakte.anbietung``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from eakte.errors import EakteError
from eakte.safe_xml import UnsafeOrBrokenXml, parse_untrusted
from eakte.xdomea.message import NS
from eakte.xdomea.schema import schema_errors

MAX_MESSAGE_BYTES = 20 * 1024 * 1024
APPRAISAL_MESSAGE_NAME = "Aussonderung.Bewertungsverzeichnis.0502"
IMPORT_MESSAGE_NAME = "Aussonderung.AussonderungImportBestaetigen.0506"

_NS = {"x": NS}


class XdomeaMessageRejected(EakteError):
    """A message from the archive cannot be read; ``details["problems"]`` lists line and message."""

    status = 422

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message, {"problems": problems or []})
        self.problems = problems or []


@dataclass(frozen=True)
class Head:
    """What we use of a message head (``Kopf``).

    Attributes:
        process_id: ``ProzessID``: the process the message answers.
        created_at: ``Erstellungszeitpunkt``.
        sender: Name of the sending institution (the archive), if given.
    """

    process_id: str
    created_at: datetime
    sender: str | None


@dataclass(frozen=True)
class AppraisedObject:
    """One ``BewertetesObjekt`` of a 0502 message.

    Attributes:
        object_id: ``ID`` of the offered object (our file's id).
        code: ``Aussonderungsart`` code (``A``, ``B`` or ``V``), or ``None`` if the
            archive used ``AussonderungsartKonfigurierbar``.
        configurable: The value of ``AussonderungsartKonfigurierbar``, if used.
        line: Line of the object in the message (for error messages).
    """

    object_id: str
    code: str | None
    configurable: str | None
    line: int | None


@dataclass(frozen=True)
class Appraisal:
    """A read 0502 Bewertungsverzeichnis."""

    head: Head
    objects: list[AppraisedObject]


@dataclass(frozen=True)
class ImportedObject:
    """One ``AusgesondertesSGO`` of a 0506 message.

    Attributes:
        object_id: ``IDSGO``: id of the handed-over object (our file's id).
        success: ``Erfolgreich``: the archive took the object over.
        archive_reference: ``Archivkennung``: the archive's reference, if given.
        errors: ``Fehlermeldung`` texts and ``FehlermeldungCode`` codes for a failed import.
        line: Line of the entry in the message.
    """

    object_id: str
    success: bool
    archive_reference: str | None
    errors: list[str]
    line: int | None


@dataclass(frozen=True)
class ImportConfirmation:
    """A read 0506 AussonderungImportBestaetigen."""

    head: Head
    objects: list[ImportedObject]


def read_appraisal(data: bytes) -> Appraisal:
    """Parse and validate a 0502 Bewertungsverzeichnis.

    Raises:
        XdomeaMessageRejected: Empty, too large, not well-formed, with a DTD, of
            another message type or not valid xdomea 3.0.0.
        FileNotFoundError: The xdomea schema is not available.
    """
    root = _read(data, APPRAISAL_MESSAGE_NAME)
    objects = []
    for element in root.iterfind("x:BewertetesObjekt", _NS):
        art = element.find("x:Aussonderungsart", _NS)
        objects.append(AppraisedObject(
            _child_text(element, "ID").lower(), art.findtext("x:Aussonderungsart/code", namespaces=_NS),
            _child_text(art, "AussonderungsartKonfigurierbar"), element.sourceline,
        ))
    return Appraisal(_head(root), objects)


def read_import_confirmation(data: bytes) -> ImportConfirmation:
    """Parse and validate a 0506 AussonderungImportBestaetigen.

    Raises:
        XdomeaMessageRejected: As for ``read_appraisal``.
        FileNotFoundError: The xdomea schema is not available.
    """
    root = _read(data, IMPORT_MESSAGE_NAME)
    objects = []
    for element in root.iterfind("x:AusgesondertesSGO", _NS):
        errors = [e.text.strip() for e in element.findall("x:Fehlermeldung", _NS) if e.text and e.text.strip()]
        errors += [f"Code {code}" for code in element.xpath("x:FehlermeldungCode/code/text()", namespaces=_NS)]
        objects.append(ImportedObject(
            _child_text(element, "IDSGO").lower(), _child_text(element, "Erfolgreich") in ("1", "true"),
            _child_text(element, "Archivkennung"), errors, element.sourceline,
        ))
    return ImportConfirmation(_head(root), objects)


def _read(data: bytes, message_name: str) -> etree._Element:
    """Parse with the hardened parser, check the root element and validate against the schema."""
    try:
        root = parse_untrusted(data, max_bytes=MAX_MESSAGE_BYTES, kind="xdomea")
    except UnsafeOrBrokenXml as exc:
        raise XdomeaMessageRejected(exc.message, [f"line {p.line}: {p.message}" for p in exc.problems]) from exc
    expected = f"{{{NS}}}{message_name}"
    if root.tag != expected:
        found = etree.QName(root)
        raise XdomeaMessageRejected(
            f"expected an xdomea 3.0.0 message {message_name}, got '{found.localname}'"
            + ("" if found.namespace == NS else f" in namespace {found.namespace or '(none)'}"),
            [f"line {root.sourceline}: root element {found.text}"],
        )
    problems = schema_errors(root)
    if problems:
        raise XdomeaMessageRejected(
            f"the message is not valid xdomea 3.0.0 ({message_name}): {len(problems)} error(s): {problems[0]}",
            problems,
        )
    return root


def _head(root: etree._Element) -> Head:
    kopf = root.find("x:Kopf", _NS)
    sender = kopf.findtext("x:Absender/x:Institution/x:Name", namespaces=_NS)
    stamp = _child_text(kopf, "Erstellungszeitpunkt")
    try:
        created = datetime.fromisoformat(stamp)
    except ValueError as exc:
        raise XdomeaMessageRejected(f"Erstellungszeitpunkt {stamp!r} cannot be read as a point in time") from exc
    if created.tzinfo is None:  # xs:dateTime without zone: read as UTC, as we write ours
        created = created.replace(tzinfo=timezone.utc)
    return Head(_child_text(kopf, "ProzessID").lower(), created, sender.strip() if sender else None)


def _child_text(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    text = element.findtext(f"x:{name}", namespaces=_NS)
    return text.strip() if text is not None else None
