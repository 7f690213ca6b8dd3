"""The XML of the xdomea 3.0.0 messages we send to the archive.

``Aussonderung.Aussonderung.0503`` hands a file over (metadata, history and
primary files); ``Aussonderung.Anbieteverzeichnis.0501`` offers files for
appraisal (the same file metadata, without content and history).

Element order follows the schema (``xdomea-Baukasten.xsd``,
``xdomea-Nachrichten-AussonderungDurchfuehren.xsd``); the official example
``v3.0.0_Aussonderung.0503.xml`` served as the model. xdomea 3.0.0 has no
element for a document's hash (4.0.0 has ``Primaerdokument/Hash``), so the
package carries a SHA-256 manifest file next to the message instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from lxml import etree

from eakte.models import Akte, AuditEvent, Dokument, DokumentVersion, FilePlanUnit, Vorgang
from eakte.xdomea import codes

NS = "urn:xoev-de:xdomea:schema:3.0.0"
MESSAGE_NAME = "Aussonderung.Aussonderung.0503"
OFFER_MESSAGE_NAME = "Aussonderung.Anbieteverzeichnis.0501"
PRODUCT_NAME = "Aktenfluss"

_CONTACT_KEYS = {
    "name", "short_name", "unit", "behoerdenschluessel", "behoerdenschluessel_list_uri",
    "behoerdenschluessel_list_version", "praefix",
}
# Characters XML 1.0 cannot carry (C0 controls except tab, newline, carriage return).
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class PackagedVersion:
    """A document version as it is placed in the package.

    Attributes:
        version: The version row.
        file_name: Name of the primary file in the ZIP (``Dateiname``), starting with a UUID.
        file_format: Its Dateiformat code.
        format_version: Version of the format (e.g. the PDF version), may be empty.
    """

    version: DokumentVersion
    file_name: str
    file_format: codes.FileFormat
    format_version: str


@dataclass(frozen=True)
class PackagedDokument:
    """A document with the versions placed in the package."""

    dokument: Dokument
    versions: list[PackagedVersion]


@dataclass(frozen=True)
class PackagedVorgang:
    """A Vorgang with its documents."""

    vorgang: Vorgang
    dokumente: list[PackagedDokument]


@dataclass(frozen=True)
class Header:
    """Data of the message head (``Kopf``).

    Attributes:
        process_id: ``ProzessID`` (UUID) of the hand-over or offer.
        created_at: ``Erstellungszeitpunkt``, tz-aware.
        sender: Contact of the handing-over authority (see ``validate_contact``).
        recipient: Contact of the archive.
        product_version: Version of Aktenfluss for ``SendendesSystem``, if known.
        receipt: Ask the archive for a receipt (``Empfangsbestaetigung``). With a 0503 an
            import confirmation (``Importbestaetigung``) is always requested: 3.0.0 fixes it to 1.
    """

    process_id: str
    created_at: datetime
    sender: dict
    recipient: dict
    product_version: str | None
    receipt: bool


def authority_contact(name: str, short_name: str, behoerdenschluessel: str | None = None) -> dict:
    """Return the contact mapping of a sending authority (see ``validate_contact``)."""
    contact = {"name": name, "short_name": short_name}
    if behoerdenschluessel:
        contact["behoerdenschluessel"] = behoerdenschluessel
    return contact


def validate_contact(contact: dict, role: str) -> dict:
    """Check a sender or recipient mapping.

    Keys: ``name`` (required: name of the institution), ``short_name``, ``unit``
    (organisational unit), ``behoerdenschluessel`` (authority key, e.g. a
    municipality key) with optional ``behoerdenschluessel_list_uri`` and
    ``behoerdenschluessel_list_version``, and ``praefix`` (e.g. ``ags``).

    Raises:
        ValueError: A key is unknown or the name is missing.
    """
    unknown = set(contact) - _CONTACT_KEYS
    if unknown:
        raise ValueError(f"{role}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_CONTACT_KEYS)}")
    if not str(contact.get("name") or "").strip():
        raise ValueError(f"{role}: 'name' (name of the institution) is required")
    return contact


def build_message(
    header: Header,
    akte: Akte,
    unit: FilePlanUnit | None,
    vorgaenge: list[PackagedVorgang],
    history: dict[str, list[AuditEvent]],
) -> bytes:
    """Build the 0503 message for one file.

    Args:
        header: Head data.
        akte: The closed file.
        unit: Its file plan unit (``Aktenplaneinheit``), if known.
        vorgaenge: The file's Vorgänge with their packaged documents.
        history: Audit events keyed by the id of the Akte, a Vorgang or a Dokument.

    Returns:
        The message as UTF-8 encoded XML with declaration.
    """
    root = etree.Element(_q(MESSAGE_NAME), nsmap={"xdomea": NS})
    kopf = _kopf(root, header, "0503", "Aussonderung.Aussonderung")
    _sub(kopf, "Importbestaetigung", _bool(True))  # fixed to 1 by the 3.0.0 schema
    _sub(kopf, "RueckmeldungArchivkennung", _bool(True))  # the archive's reference confirms the hand-over
    _sub(kopf, "Empfangsbestaetigung", _bool(header.receipt))
    objekt = _sub(root, "Schriftgutobjekt")
    _akte(_sub(objekt, "Akte"), akte, unit, vorgaenge, history)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_offer_message(header: Header, files: list[tuple[Akte, FilePlanUnit | None]]) -> bytes:
    """Build the 0501 offer list (Anbieteverzeichnis) for closed files.

    Each file is one ``Schriftgutobjekt/Akte`` with its identification (the
    archive's appraisal refers to it), general and disposal metadata, run time
    and zdA date; no content, as the standard says for offer lists.

    Args:
        header: Head data.
        files: The offered files with their file plan units.

    Returns:
        The message as UTF-8 encoded XML with declaration.
    """
    root = etree.Element(_q(OFFER_MESSAGE_NAME), nsmap={"xdomea": NS})
    kopf = _kopf(root, header, "0501", "Aussonderung.Anbieteverzeichnis")
    _sub(kopf, "Empfangsbestaetigung", _bool(header.receipt))
    for akte, unit in files:
        element = _sub(_sub(root, "Schriftgutobjekt"), "Akte")
        _akte_metadaten(element, akte, unit)
        _laufzeit(element, akte.created_at, akte.closed_at)
        _zda(element, akte)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(value: object) -> str:
    return _INVALID_XML_CHARS.sub("\ufffd", str(value))


def _sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = _text(text)
    return element


def _code(parent: etree._Element, name: str, code_list: tuple[str, str], code: str, label: str | None = None):
    element = _sub(parent, name)
    element.set("listURI", code_list[0])
    element.set("listVersionID", code_list[1])
    etree.SubElement(element, "code").text = code  # code and name are unqualified
    if label is not None:
        etree.SubElement(element, "name").text = label
    return element


def _timestamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).date()
    return value.isoformat()


def _bool(value: bool) -> str:
    return "1" if value else "0"  # as the official example writes xs:boolean


def _kopf(root: etree._Element, header: Header, code: str, name: str) -> etree._Element:
    """Write the head elements every message type shares (``NkBasisType``) and return the head."""
    kopf = _sub(root, "Kopf")
    _sub(kopf, "ProzessID", header.process_id)
    _code(kopf, "Nachrichtentyp", codes.NACHRICHTENTYP_LIST, code, name)
    _sub(kopf, "Erstellungszeitpunkt", _timestamp(header.created_at))
    _kontakt(_sub(kopf, "Absender"), header.sender)
    _kontakt(_sub(kopf, "Empfaenger"), header.recipient)
    system = _sub(kopf, "SendendesSystem")
    _sub(system, "Produktname", PRODUCT_NAME)
    if header.product_version:
        _sub(system, "Version", header.product_version)
    return kopf


def _kontakt(element: etree._Element, contact: dict) -> None:
    if contact.get("behoerdenschluessel"):
        kennung = _sub(element, "Behoerdenkennung")
        schluessel = _sub(kennung, "Behoerdenschluessel")
        if contact.get("behoerdenschluessel_list_uri"):
            schluessel.set("listURI", contact["behoerdenschluessel_list_uri"])
        if contact.get("behoerdenschluessel_list_version"):
            schluessel.set("listVersionID", contact["behoerdenschluessel_list_version"])
        etree.SubElement(schluessel, "code").text = _text(contact["behoerdenschluessel"])
        if contact.get("praefix"):
            etree.SubElement(_sub(kennung, "Praefix"), "code").text = _text(contact["praefix"])
    institution = _sub(element, "Institution")
    _sub(institution, "Name", contact["name"])
    if contact.get("short_name"):
        _sub(institution, "Kurzbezeichnung", contact["short_name"])
    if contact.get("unit"):
        _sub(_sub(element, "Organisationseinheit"), "Name", contact["unit"])


def _metadaten(parent, *, betreff: str, kennzeichen: str, confidentiality: str, unit: FilePlanUnit | None = None):
    meta = _sub(parent, "AllgemeineMetadaten")
    _sub(meta, "Betreff", betreff)
    _sub(meta, "Kennzeichen", kennzeichen)
    _code(meta, "Vertraulichkeitsstufe", codes.VERTRAULICHKEIT_LIST, codes.VERTRAULICHKEIT.get(confidentiality, "003"))
    _code(meta, "Medium", codes.MEDIUM_LIST, *codes.MEDIUM_ELEKTRONISCH)
    if unit is not None:
        einheit = _sub(meta, "Aktenplaneinheit")
        _sub(einheit, "Kennzeichen", unit.code)
        _sub(einheit, "Inhaltsangabe", unit.title)


def _historie(parent: etree._Element, events: list[AuditEvent]) -> None:
    for event in events:
        entry = _sub(parent, "HistorienProtokollInformation")
        _sub(entry, "Akteur", event.actor or "System")
        _sub(entry, "DatumUhrzeit", _timestamp(event.occurred_at))
        if event.data:
            _sub(entry, "Bemerkung", json.dumps(event.data, ensure_ascii=False, sort_keys=True))
        _sub(entry, "Aktion", event.kind)


def _laufzeit(parent: etree._Element, start: datetime, end: datetime | None) -> None:
    laufzeit = _sub(parent, "Laufzeit")
    _sub(laufzeit, "Beginn", _day(start))
    if end is not None:
        _sub(laufzeit, "Ende", _day(end))


def _akte(element, akte: Akte, unit, vorgaenge: list[PackagedVorgang], history) -> None:
    _akte_metadaten(element, akte, unit)
    _laufzeit(element, akte.created_at, akte.closed_at)
    _historie(element, history.get(akte.id, []))
    inhalt = _sub(element, "Akteninhalt")
    for packaged in vorgaenge:
        _vorgang(_sub(inhalt, "Vorgang"), akte, packaged, history)
    _zda(element, akte)


def _akte_metadaten(element, akte: Akte, unit: FilePlanUnit | None) -> None:
    _sub(_sub(element, "Identifikation"), "ID", akte.id)
    _metadaten(element, betreff=akte.title, kennzeichen=akte.aktenzeichen,
               confidentiality=akte.confidentiality, unit=unit)
    archiv = _sub(element, "ArchivspezifischeMetadaten")
    dauer = _sub(archiv, "Aufbewahrungsdauer")
    if akte.retention_years is None:
        _sub(dauer, "Unbefristet", _bool(True))
    else:
        _sub(dauer, "AnzahlJahre", akte.retention_years)
    if akte.disposal_code:
        _code(_sub(archiv, "Aussonderungsart"), "Aussonderungsart", codes.AUSSONDERUNGSART_LIST, akte.disposal_code)
    if akte.retention_until is not None:
        _sub(archiv, "Aufbewahrungsende", _day(akte.retention_until))


def _zda(element, akte: Akte) -> None:
    _sub(element, "ZdA", _bool(akte.closed_at is not None))
    if akte.closed_at is not None:
        _sub(element, "ZdADatum", _day(akte.closed_at))


def _vorgang(element, akte: Akte, packaged: PackagedVorgang, history) -> None:
    vorgang = packaged.vorgang
    ident = _sub(element, "Identifikation")
    _sub(ident, "ID", vorgang.id)
    _sub(ident, "NummerImUebergeordnetenContainer", vorgang.number)
    kennzeichen = f"{akte.aktenzeichen}/{vorgang.number}"
    _metadaten(element, betreff=vorgang.title, kennzeichen=kennzeichen, confidentiality=akte.confidentiality)
    _sub(element, "ZdA", _bool(vorgang.closed_at is not None))
    if vorgang.closed_at is not None:
        _sub(element, "ZdADatum", _day(vorgang.closed_at))
    _laufzeit(element, vorgang.created_at, vorgang.closed_at)
    _historie(element, history.get(vorgang.id, []))
    for number, dokument in enumerate(packaged.dokumente, start=1):
        _dokument(_sub(element, "Dokument"), f"{kennzeichen}/{number}", number, dokument, history)


def _dokument(element, kennzeichen: str, number: int, packaged: PackagedDokument, history) -> None:
    dokument = packaged.dokument
    ident = _sub(element, "Identifikation")
    _sub(ident, "ID", dokument.id)
    _sub(ident, "NummerImUebergeordnetenContainer", number)
    _metadaten(element, betreff=dokument.subject, kennzeichen=kennzeichen, confidentiality=dokument.confidentiality)
    if dokument.received_at is not None:
        _sub(element, "Posteingangsdatum", _day(dokument.received_at))
    if dokument.sent_at is not None:
        _sub(element, "Postausgangsdatum", _day(dokument.sent_at))
    if dokument.author:
        _sub(element, "Bearbeiter", dokument.author)
    _sub(element, "Typ", dokument.doc_type)
    _historie(element, history.get(dokument.id, []))
    for packaged_version in packaged.versions:
        _version(_sub(element, "Version"), packaged_version)


def _version(element, packaged: PackagedVersion) -> None:
    version = packaged.version
    _sub(element, "Nummer", version.version)
    fmt = _sub(element, "Format")
    _code(fmt, "Name", codes.DATEIFORMAT_LIST, packaged.file_format.code)
    if packaged.file_format.other_name:
        _sub(fmt, "SonstigerName", packaged.file_format.other_name)
    _sub(fmt, "Version", packaged.format_version)
    primaer = _sub(fmt, "Primaerdokument")
    _sub(primaer, "Dateiname", packaged.file_name)
    _sub(primaer, "DateinameOriginal", version.filename)
    if version.created_by:
        _sub(primaer, "Ersteller", version.created_by)
    _sub(primaer, "DatumUhrzeit", _timestamp(version.created_at))
