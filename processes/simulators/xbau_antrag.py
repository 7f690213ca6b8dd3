"""Valid XBau 2.6 ``baugenehmigung.antrag.0200`` messages, as an online building-application service sends them.

Used by the simulated online service of the demo and by the tests. There are
no official sample messages; these follow the XSD (a test validates them, so a
sample that drifts from the schema fails). Attachments are carried as XBau
intends: the message lists each Anlage with its file name, the bytes travel
beside the message (multipart parts, or FIT-Connect attachments).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree

XBAU = "http://www.xleitstelle.de/xbau/2/6"


@dataclass
class SampleAnlage:
    """One attachment announced in the message."""

    bezeichnung: str
    dateiname: str
    anlageart: str = "lageplan"
    mime_type: str = "application/pdf"
    wird_nachgereicht: bool = False
    link: str | None = None


@dataclass
class SampleAntrag:
    """The content of a sample building application (realistic data from Schwerin)."""

    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    vorname: str = "Erika"
    familienname: str = "Müller"
    strasse: str = "Schloßstraße"
    hausnummer: str = "12"
    postleitzahl: str = "19053"
    ort: str = "Schwerin"
    email: str | None = "erika.mueller@example.org"
    telefon: str | None = "0385 5551234"
    vorhaben: str = "Neubau eines Einfamilienhauses mit Carport"
    massnahme_code: str = "11"
    wohngebaeude_code: str | None = "1"
    gemarkung: str | None = "Schwerin"
    flur: str | None = "3"
    zaehler: str | None = "17"
    nenner: str | None = "2"
    lage_strasse: str = "Am Lankower See"
    lage_hausnummer: str = "4"
    bebauungsplan: str | None = "Nr. 42 Lankow-Nord"
    autor_kennung: str = "psw:antragsportal-mv"
    autor_name: str = "Bauportal M-V"
    leser_kennung: str = "psw:bauaufsicht-schwerin"
    leser_name: str = "Landeshauptstadt Schwerin, Bauaufsicht"
    anlagen: list[SampleAnlage] = field(default_factory=lambda: [
        SampleAnlage("Lageplan", "Lageplan.pdf", "lageplan"),
        SampleAnlage("Bauzeichnungen", "Bauzeichnungen.pdf", "bauzeichnung"),
    ])


def _sub(parent, tag: str, text: str | None = None, qualified: bool = False, **attrs):
    element = etree.SubElement(parent, f"{{{XBAU}}}{tag}" if qualified else tag, **attrs)
    if text is not None:
        element.text = text
    return element


def _code(parent, tag: str, code: str, qualified: bool = False, **attrs):
    element = _sub(parent, tag, qualified=qualified, **attrs)
    _sub(element, "code", code)
    return element


def _behoerde(parent, tag: str, kennung: str, name: str) -> None:
    behoerde = _sub(parent, tag)
    _code(behoerde, "verzeichnisdienst", "DVDV", listVersionID="1")
    _sub(behoerde, "kennung", kennung)
    _sub(behoerde, "name", name)


def build_0200(antrag: SampleAntrag | None = None, root_tag: str = "baugenehmigung.antrag.0200",
               message_code: str = "0200") -> etree._Element:
    """Build a building application message as an element tree."""
    a = antrag or SampleAntrag()
    root = etree.Element(f"{{{XBAU}}}{root_tag}", nsmap={"xbau": XBAU},
                         produkt="Bauportal M-V", produkthersteller="Land Mecklenburg-Vorpommern",
                         standard="XBau-Hochbau", version="2.6")
    kopf = _sub(root, "nachrichtenkopf.g2g")
    ident = _sub(kopf, "identifikation.nachricht")
    _sub(ident, "nachrichtenUUID", a.message_id)
    _code(ident, "nachrichtentyp", message_code)
    _sub(ident, "erstellungszeitpunkt", "2026-03-02T09:15:00+01:00")
    _behoerde(kopf, "leser", a.leser_kennung, a.leser_name)
    _behoerde(kopf, "autor", a.autor_kennung, a.autor_name)

    person = _sub(_sub(root, "antragsteller", qualified=True), "natuerlichePerson")
    name = _sub(person, "name")
    _sub(_sub(name, "familienname"), "name", a.familienname)
    _sub(_sub(name, "vorname"), "name", a.vorname)
    anschrift = _sub(person, "anschrift")
    for tag, value in (("strasse", a.strasse), ("hausnummer", a.hausnummer), ("postleitzahl", a.postleitzahl),
                       ("ort", a.ort)):
        _sub(anschrift, tag, value)
    for kanal, value in (("01", a.email), ("02", a.telefon)):
        if value:
            kommunikation = _sub(person, "kommunikation")
            _code(kommunikation, "kanal", kanal, listVersionID="3")
            _sub(kommunikation, "kennung", value)

    vorhaben = _sub(root, "bauvorhaben", qualified=True)
    _sub(vorhaben, "bezeichnungDesBauvorhabens", a.vorhaben, qualified=True)
    gegenstand = _sub(vorhaben, "gegenstand", qualified=True)
    _code(gegenstand, "artDerMassnahme", a.massnahme_code, qualified=True)
    if a.wohngebaeude_code:
        _code(_sub(gegenstand, "artDerBaulichenAnlage", qualified=True), "artDesWohngebaeudes",
              a.wohngebaeude_code, qualified=True)
    grundstueck = _sub(_sub(_sub(vorhaben, "verortung", qualified=True), "baugrundstueck", qualified=True),
                       "grundstueck", qualified=True)
    lage = _sub(grundstueck, "anschrift", qualified=True)
    for tag, value in (("strasse", a.lage_strasse), ("hausnummer", a.lage_hausnummer),
                       ("postleitzahl", "19057"), ("ort", "Schwerin")):
        _sub(lage, tag, value)
    flurstueck = _sub(grundstueck, "flurstueck", qualified=True)
    _code(flurstueck, "bundesland", "13", listVersionID="2010-04-01")
    kodierung = _sub(flurstueck, "kodierungFlurstueck")
    if a.gemarkung:
        _sub(_sub(kodierung, "gemarkung"), "bezeichnung", a.gemarkung)
    for tag, value in (("flur", a.flur), ("zaehler", a.zaehler), ("nenner", a.nenner)):
        if value:
            _sub(kodierung, tag, value)
    if a.bebauungsplan:
        _sub(_sub(grundstueck, "bebauungsplan", qualified=True), "bezeichnungBebauungsplan", a.bebauungsplan,
             qualified=True)

    if a.anlagen:
        anlagen = _sub(root, "anlagen", qualified=True)
        for item in a.anlagen:
            anlage = _sub(anlagen, "anlage")
            _sub(anlage, "bezeichnung", item.bezeichnung)
            _sub(anlage, "datum", "2026-02-27")
            _code(anlage, "anlageart", item.anlageart, listVersionID="1.0")
            _code(anlage, "mimeType", item.mime_type, listURI="urn:xoev-de:xbau:codeliste:xbau-mimetypes",
                  listVersionID="1.0")
            wrapper = _sub(anlage, "anhangOderVerlinkung")
            if item.link:
                verlinkung = _sub(wrapper, "verlinkung")
                _sub(verlinkung, "uriVerlinkung", item.link)
                _sub(verlinkung, "dateiname", item.dateiname)
            else:
                _sub(_sub(wrapper, "anhang"), "dateiname", item.dateiname)
            if item.wird_nachgereicht:
                _sub(anlage, "wirdNachgereicht", "true", qualified=True)
    return root


def message_bytes(antrag: SampleAntrag | None = None, **kwargs) -> bytes:
    """Serialize a sample message as UTF-8 XML with declaration."""
    return etree.tostring(build_0200(antrag, **kwargs), xml_declaration=True, encoding="UTF-8", pretty_print=True)
