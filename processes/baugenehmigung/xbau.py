"""Reading an XBau 2.6 building application (``baugenehmigung.antrag.0200``).

The message is parsed with a hardened parser (no network, no entity
expansion, no DTD), must have the expected root element, is validated against
the XBau XSD and is then turned into plain JSON case data. XBau does not embed
the Bauvorlagen in the message: each ``anlage`` names its file
(``anhang/dateiname``), and the bytes travel beside the message (transport
attachments; multipart parts in our API), or it is a link or marked as
following later (``wirdNachgereicht``).

The official XBau 2.6 schemas are bundled unchanged (``schemas/xbau-2.6``,
see its SOURCES.md); AKTENFLUSS_XBAU_SCHEMA_DIR can point at another copy.
The compiled schema is cached per directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from eakte.safe_xml import PerThreadSchemas, UnsafeOrBrokenXml, parse_untrusted
from engine.errors import InvalidData

XBAU_NS = "http://www.xleitstelle.de/xbau/2/6"
MESSAGE_TYPE = "baugenehmigung.antrag.0200"
MESSAGE_CODE = "0200"
SCHEMA_FILE = "xbau-nachrichten-baugenehmigung.xsd"
MAX_MESSAGE_BYTES = 20 * 1024 * 1024
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "xbau-2.6"

_NS = {"x": XBAU_NS}

# Codeliste urn:xoev-de:xbau:codeliste:baumassnahmeart, version 2.0 (as in xbau-codes.xsd).
BAUMASSNAHMEN = {
    "10": "Baumaßnahme", "11": "Errichtung", "12": "Änderung",
    "13": "Nutzungsänderung (ohne bauliche Änderung)", "14": "Nutzungsänderung (mit baulicher Änderung)",
    "20": "Abgrabung", "30": "Beseitigung",
}
# Codeliste urn:de:xoev:codeliste:erreichbarkeit: 01 e-mail, 02 telephone, 03 mobile.
_EMAIL, _PHONES = "01", ("02", "03")


class XBauRejected(InvalidData):
    """The message cannot be accepted; ``details`` lists each problem with line and message."""

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.details = problems or []


@dataclass(frozen=True)
class Anlage:
    """An attachment announced in the message."""

    title: str
    filename: str | None
    kind: str | None
    mime_type: str | None
    to_follow: bool
    link: str | None
    filesize: int | None

    @property
    def transported(self) -> bool:
        """True if the bytes must travel with the message (not a link, not following later)."""
        return self.link is None and not self.to_follow and self.filename is not None


@dataclass(frozen=True)
class XBauAntrag:
    """What the procedure takes from a 0200 message.

    ``case_data`` has the keys the building-permit model reads: eingang,
    bauaufsicht, antragsteller, vorhaben, grundstueck (gemarkung, flur,
    flurstueck), weitere_grundstuecke and anlagen.
    """

    message_id: str
    case_data: dict
    anlagen: list[Anlage]


def schema_dir() -> Path:
    """Return the configured XBau schema directory."""
    return Path(os.environ.get("AKTENFLUSS_XBAU_SCHEMA_DIR") or DEFAULT_SCHEMA_DIR)


def _compile_schema(directory: Path) -> etree.XMLSchema:
    path = Path(directory) / SCHEMA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"XBau schema not found: {path} (set AKTENFLUSS_XBAU_SCHEMA_DIR)")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


_schemas = PerThreadSchemas(_compile_schema)


def load_schema(directory: Path) -> etree.XMLSchema:
    """Compile the XBau building-permit schema from files in ``directory`` (cached per thread, see eakte/safe_xml.py).

    The schema is parsed from its file path, so the relative includes and
    imports resolve inside the directory; the network is never used.
    """
    return _schemas.get(Path(directory))


def parse_message(data: bytes) -> etree._ElementTree:
    """Parse message bytes with a hardened parser; the XML declaration decides the encoding.

    Raises:
        XBauRejected: empty, too large, not well-formed, or with a DTD.
    """
    try:
        root = parse_untrusted(data, max_bytes=MAX_MESSAGE_BYTES, kind="XBau")
    except UnsafeOrBrokenXml as exc:
        raise XBauRejected(exc.message, [{"line": p.line, "message": p.message} for p in exc.problems]) from exc
    tree = etree.ElementTree(root)
    return tree


def read_antrag(data: bytes, directory: Path | None = None) -> XBauAntrag:
    """Parse, check and validate a 0200 message and extract the case data.

    Raises:
        XBauRejected: with one entry per problem (line and message).
    """
    tree = parse_message(data)
    root = tree.getroot()
    expected = f"{{{XBAU_NS}}}{MESSAGE_TYPE}"
    if root.tag != expected:
        found = etree.QName(root)
        raise XBauRejected(
            f"expected an XBau message of type {MESSAGE_TYPE} (namespace {XBAU_NS}), got '{found.localname}'",
            [{"line": root.sourceline, "message": f"root element {found.text}"}],
        )
    found = _schemas.problems(Path(directory or schema_dir()), tree)
    if found:
        problems = [{"line": p.line, "message": p.message} for p in found]
        raise XBauRejected(f"the message does not conform to the XBau 2.6 schema: {len(problems)} error(s)", problems)
    code = _text(root, "nachrichtenkopf.g2g/identifikation.nachricht/nachrichtentyp/code")
    if code is not None and code != MESSAGE_CODE:
        raise XBauRejected(f"expected message type code {MESSAGE_CODE} for {MESSAGE_TYPE}, got {code}")
    return _extract(root)


def _extract(root) -> XBauAntrag:
    problems: list[dict] = []
    ident = _first(root, "nachrichtenkopf.g2g/identifikation.nachricht")
    message_id = _text(ident, "nachrichtenUUID")
    if not message_id:
        problems.append(_problem(ident if ident is not None else root, "the message has no nachrichtenUUID"))
    applicant = _applicant(root, problems)
    project = _project(root, problems)
    parcels = _parcels(root, problems)
    anlagen = [_anlage(item) for item in root.xpath("x:anlagen/anlage", namespaces=_NS)]
    if problems:
        raise XBauRejected(f"the application lacks data the procedure needs: {len(problems)} problem(s)", problems)
    authority = _first_of(root, "x:empfangendeStelle", "nachrichtenkopf.g2g/leser")
    author = _first(root, "nachrichtenkopf.g2g/autor")
    case_data = {
        "eingang": {
            "channel": "xbau", "message_type": MESSAGE_CODE, "message_id": message_id,
            "created_at": _text(ident, "erstellungszeitpunkt"),
            "sender": _behoerde(author),
            "service_reference": _text(root, "x:referenzAntragsservice/referenzAntragsservice"),
        },
        "bauaufsicht": _behoerde(authority),
        "antragsteller": applicant,
        "vorhaben": project,
        "grundstueck": parcels[0],
        "weitere_grundstuecke": parcels[1:],
        "anlagen": [_attachment_entry(a) for a in anlagen],
    }
    return XBauAntrag(message_id=message_id, case_data=case_data, anlagen=anlagen)


def _applicant(root, problems: list[dict]) -> dict:
    akteur = _first_of(root, "x:antragsteller", "x:bauvorhaben/x:beteiligte/x:bauherr/x:bauherr")
    person = _first(akteur, "natuerlichePerson")
    organisation = _first(akteur, "organisation")
    if person is not None:
        parts = [_text(person, "name/titel"), _text(person, "name/vorname/name"),
                 _text(person, "name/familienname/name")]
        entry = {"type": "person", "name": " ".join(p for p in parts if p)}
        holder = person
    elif organisation is not None:
        entry = {"type": "organisation", "name": _text(organisation, "name/name") or ""}
        holder = organisation
    else:
        problems.append(_problem(root, "the message names no applicant (antragsteller or bauherr)"))
        return {}
    if not entry["name"]:
        problems.append(_problem(holder, "the applicant has no name"))
    address = _first(holder, "anschrift")
    entry["address"] = _address(address)
    contacts = [(_text(k, "kanal/code"), _text(k, "kennung")) for k in holder.xpath("kommunikation")]
    entry["email"] = next((value for kanal, value in contacts if kanal == _EMAIL), None)
    entry["phone"] = next((value for kanal, value in contacts if kanal in _PHONES), None)
    return entry


def _project(root, problems: list[dict]) -> dict:
    vorhaben = _first(root, "x:bauvorhaben")
    description = _text(vorhaben, "x:bezeichnungDesBauvorhabens")
    if not description:
        problems.append(_problem(vorhaben if vorhaben is not None else root,
                                 "the building project has no description (bezeichnungDesBauvorhabens)"))
    codes = [c.text for c in (vorhaben.xpath("x:gegenstand/x:artDerMassnahme/code", namespaces=_NS)
                              if vorhaben is not None else [])]
    building = _first(vorhaben, "x:gegenstand/x:artDerBaulichenAnlage/*")
    return {
        "description": description,
        "type": BAUMASSNAHMEN.get(codes[0], codes[0]) if codes else None,
        "measures": [BAUMASSNAHMEN.get(code, code) for code in codes],
        "building_type": ({"kind": etree.QName(building).localname, "code": _text(building, "code")}
                          if building is not None else None),
    }


def _parcels(root, problems: list[dict]) -> list[dict]:
    parcels = []
    for grundstueck in root.xpath("x:bauvorhaben/x:verortung/x:baugrundstueck/x:grundstueck", namespaces=_NS):
        plan = _first(grundstueck, "x:bebauungsplan/*")
        address = _address(_first(grundstueck, "x:anschrift"))
        for flurstueck in grundstueck.xpath("x:flurstueck/kodierungFlurstueck", namespaces=_NS):
            zaehler, nenner = _text(flurstueck, "zaehler"), _text(flurstueck, "nenner")
            parcel = {
                "gemarkung": _text(flurstueck, "gemarkung/bezeichnung") or _text(flurstueck, "gemarkung/nummer"),
                "flur": _text(flurstueck, "flur"),
                "flurstueck": f"{zaehler}/{nenner}" if zaehler and nenner else zaehler,
                "address": address,
                "zoning_plan": plan.text if plan is not None else None,
            }
            missing = [key for key in ("gemarkung", "flur", "flurstueck") if not parcel[key]]
            if missing:
                problems.append(_problem(flurstueck, f"the parcel lacks {', '.join(missing)}"))
            parcels.append(parcel)
    if not parcels:
        problems.append(_problem(root, "the message names no parcel (bauvorhaben/verortung/baugrundstueck)"))
        return [{}]
    return parcels


def _anlage(element) -> Anlage:
    anhang = _first(element, "anhangOderVerlinkung/anhang")
    link = _first(element, "anhangOderVerlinkung/verlinkung")
    size = anhang.get("filesize") if anhang is not None else None
    return Anlage(
        title=_text(element, "bezeichnung") or _text(anhang if anhang is not None else link, "dateiname") or "Anlage",
        filename=_text(anhang if anhang is not None else link, "dateiname"),
        kind=_text(element, "anlageart/code"),
        mime_type=_text(element, "mimeType/code"),
        to_follow=_text(element, "x:wirdNachgereicht") == "true",
        link=_text(link, "uriVerlinkung"),
        filesize=int(size) if size else None,
    )


def _attachment_entry(anlage: Anlage) -> dict:
    status = "linked" if anlage.link else "to_follow" if anlage.to_follow else "received"
    return {"title": anlage.title, "filename": anlage.filename, "kind": anlage.kind, "status": status,
            "link": anlage.link}


def _address(element) -> dict | None:
    if element is None:
        return None
    street = _text(element, "strasse")
    number = _text(element, "hausnummer")
    return {
        "street": " ".join(p for p in (street, number) if p) or _text(element, "strasseHausnummer"),
        "postal_code": _text(element, "postleitzahl"),
        "city": _text(element, "ort"),
    }


def _behoerde(element) -> dict | None:
    if element is None:
        return None
    return {"id": _text(element, "kennung"), "name": _text(element, "name")}


def _first(element, path: str):
    if element is None:
        return None
    found = element.xpath(path, namespaces=_NS)
    return found[0] if found else None


def _first_of(element, *paths: str):
    for path in paths:
        found = _first(element, path)
        if found is not None:
            return found
    return None


def _text(element, path: str) -> str | None:
    found = _first(element, path)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _problem(element, message: str) -> dict:
    return {"line": element.sourceline, "message": message}
