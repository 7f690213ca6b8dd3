"""xdomea 3.0.0 messages from the archive, built for tests (each is checked against the official schema)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from eakte.xdomea import validate_xdomea

ARCHIVE = "Landesarchiv Mecklenburg-Vorpommern"


def _kopf(process_id: str, code: str, name: str, *, receipt: bool) -> str:
    return (
        "<xdomea:Kopf>"
        f"<xdomea:ProzessID>{process_id}</xdomea:ProzessID>"
        '<xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp" listVersionID="2.0">'
        f"<code>{code}</code><name>{name}</name></xdomea:Nachrichtentyp>"
        "<xdomea:Erstellungszeitpunkt>2026-02-01T10:00:00Z</xdomea:Erstellungszeitpunkt>"
        f"<xdomea:Absender><xdomea:Institution><xdomea:Name>{ARCHIVE}</xdomea:Name></xdomea:Institution>"
        "</xdomea:Absender>"
        "<xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Stadt Grünhagen</xdomea:Name></xdomea:Institution>"
        "</xdomea:Empfaenger>"
        + ("<xdomea:Empfangsbestaetigung>0</xdomea:Empfangsbestaetigung>" if receipt else "")
        + "</xdomea:Kopf>"
    )


def _message(root: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<xdomea:{root} xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">'
            f"{body}</xdomea:{root}>\n").encode()


def appraisal(process_id: str, decisions: list[tuple[str, str]], *, configurable: bool = False) -> bytes:
    """A valid 0502 Bewertungsverzeichnis: ``(object id, code)`` per appraised object.

    With ``configurable`` the code is sent as ``AussonderungsartKonfigurierbar`` text.
    """
    objects = []
    for object_id, code in decisions:
        if configurable:
            art = f"<xdomea:AussonderungsartKonfigurierbar>{escape(code)}</xdomea:AussonderungsartKonfigurierbar>"
        else:
            art = ('<xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" '
                   f'listVersionID="1.0"><code>{code}</code></xdomea:Aussonderungsart>')
        objects.append(f"<xdomea:BewertetesObjekt><xdomea:ID>{object_id}</xdomea:ID>"
                       f"<xdomea:Aussonderungsart>{art}</xdomea:Aussonderungsart></xdomea:BewertetesObjekt>")
    message = _message("Aussonderung.Bewertungsverzeichnis.0502",
                       _kopf(process_id, "0502", "Aussonderung.Bewertungsverzeichnis", receipt=True) + "".join(objects))
    assert validate_xdomea(message) == []
    return message


def import_confirmation(process_id: str, results: list[tuple[str, bool, str | None]],
                        errors: tuple[str, ...] = ()) -> bytes:
    """A valid 0506 AussonderungImportBestaetigen: ``(object id, success, Archivkennung)`` per object."""
    entries = []
    for object_id, success, reference in results:
        entries.append(
            f"<xdomea:AusgesondertesSGO><xdomea:IDSGO>{object_id}</xdomea:IDSGO>"
            f"<xdomea:Erfolgreich>{int(success)}</xdomea:Erfolgreich>"
            + "".join(f"<xdomea:Fehlermeldung>{escape(e)}</xdomea:Fehlermeldung>" for e in errors)
            + (f"<xdomea:Archivkennung>{escape(reference)}</xdomea:Archivkennung>" if reference else "")
            + "</xdomea:AusgesondertesSGO>")
    message = _message("Aussonderung.AussonderungImportBestaetigen.0506",
                       _kopf(process_id, "0506", "Aussonderung.AussonderungImportBestaetigen", receipt=False)
                       + "".join(entries))
    assert validate_xdomea(message) == []
    return message
