"""xdomea 3.0.0 hand-over packages (0503): content, schema validity, refusals."""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
import zipfile
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pikepdf
import pytest
from lxml import etree
from sqlalchemy import select

from eakte.audit import case_stream, record
from eakte.models import Akte, ArchiveHandover, AuditEvent, Dokument, DokumentVersion
from eakte.xdomea import XdomeaExportError, export_0503, manifest_file_name, message_file_name, validate_xdomea
from eakte.xdomea.schema import load_schema
from engine.db import transaction
from tests import STANDARDS
from tests.eakte import factories, pdf_samples

EXAMPLE = STANDARDS / "xdomea-examples" / "v3.0.0_Aussonderung.0503.xml"
NS = {"x": "urn:xoev-de:xdomea:schema:3.0.0"}
SENDER = {"name": "Stadt Grünhagen", "short_name": "grünhagen", "unit": "Bauordnungsamt",
          "behoerdenschluessel": "13075049", "praefix": "ags"}
ARCHIVE = {"name": "Landesarchiv Mecklenburg-Vorpommern"}


def _export(session_factory, store, akte_id, out, **options):
    with transaction(session_factory) as session:
        akte = session.get(Akte, akte_id)
        return export_0503(session, store, akte, sender=options.pop("sender", SENDER), recipient=ARCHIVE,
                           actor="archivar", out=out, **options)


@pytest.fixture
def full_akte(session_factory, file_store):
    with transaction(session_factory) as session:
        authority = factories.make_authority(session)
        unit = factories.make_unit(session, authority.id)
        return factories.make_full_akte(session, file_store, unit).id


# --- the validator itself ----------------------------------------------------------------------------------

def test_official_example_validates():
    assert validate_xdomea(EXAMPLE.read_bytes()) == []


def test_broken_message_is_reported():
    broken = EXAMPLE.read_bytes().replace(b"<code>0503</code>", b"<code>0999</code>")
    errors = validate_xdomea(broken)
    assert errors and "0999" in errors[0]

    missing_head = etree.fromstring(EXAMPLE.read_bytes())
    missing_head.remove(missing_head.find("x:Kopf", NS))
    assert any("Kopf" in e for e in validate_xdomea(etree.tostring(missing_head)))


def test_malformed_xml_is_reported():
    assert validate_xdomea(b"<xdomea:Aussonderung")[0].startswith("not well-formed XML")


def test_schema_imports_never_reach_the_network(tmp_path):
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        xsd = tmp_path / "remote-import.xsd"
        xsd.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">'
            f'<xs:import namespace="urn:b" schemaLocation="http://127.0.0.1:{server.server_port}/b.xsd"/>'
            '<xs:element name="a" type="xs:string"/></xs:schema>'
        )
        with pytest.raises(etree.XMLSchemaParseError):
            load_schema(xsd)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


# --- the package -------------------------------------------------------------------------------------------

def test_package_holds_a_valid_message_the_documents_and_a_manifest(session_factory, file_store, full_akte, tmp_path):
    result = _export(session_factory, file_store, full_akte, tmp_path / "out" / "abgabe.zip")

    assert validate_xdomea(result.message_xml) == []
    package = result.path.read_bytes()
    assert hashlib.sha256(package).hexdigest() == result.package_sha256
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = set(archive.namelist())
        message = archive.read(message_file_name(result.process_id))
        manifest = archive.read(manifest_file_name(result.process_id)).decode()
        contents = {name: archive.read(name) for name in names}
    assert message == result.message_xml
    assert names == {message_file_name(result.process_id), manifest_file_name(result.process_id), *result.files}
    assert len(result.files) == 5

    # the manifest is sha256sum format and covers every other file
    listed = dict(reversed(line.split("  ", 1)) for line in manifest.splitlines())
    assert set(listed) == names - {manifest_file_name(result.process_id)}
    for name, digest in listed.items():
        assert hashlib.sha256(contents[name]).hexdigest() == digest

    # every primary file referenced in the message is in the ZIP with the stored bytes
    root = etree.fromstring(message)
    with transaction(session_factory) as session:
        versions = {v.id: v for v in session.scalars(select(DokumentVersion))}
    for primaer in root.iterfind(".//x:Primaerdokument", NS):
        file_name = primaer.findtext("x:Dateiname", namespaces=NS)
        version = versions[file_name.split(".", 1)[0]]
        assert hashlib.sha256(contents[file_name]).hexdigest() == version.sha256
        assert primaer.findtext("x:DateinameOriginal", namespaces=NS) == version.filename


def test_message_describes_file_vorgaenge_documents_and_versions(session_factory, file_store, full_akte, tmp_path):
    result = _export(session_factory, file_store, full_akte, tmp_path / "abgabe.zip")
    root = etree.fromstring(result.message_xml)
    with transaction(session_factory) as session:
        akte = session.get(Akte, full_akte)

    kopf = root.find("x:Kopf", NS)
    assert kopf.findtext("x:ProzessID", namespaces=NS) == result.process_id
    assert kopf.findtext("x:Nachrichtentyp/code", namespaces=NS) == "0503"
    assert kopf.findtext("x:Absender/x:Institution/x:Name", namespaces=NS) == "Stadt Grünhagen"
    assert kopf.findtext("x:Absender/x:Behoerdenkennung/x:Behoerdenschluessel/code", namespaces=NS) == "13075049"
    assert kopf.findtext("x:Empfaenger/x:Institution/x:Name", namespaces=NS) == ARCHIVE["name"]
    assert kopf.findtext("x:SendendesSystem/x:Produktname", namespaces=NS) == "Aktenfluss"
    assert kopf.findtext("x:Importbestaetigung", namespaces=NS) == "1"
    assert kopf.findtext("x:RueckmeldungArchivkennung", namespaces=NS) == "1"

    akte_el = root.find("x:Schriftgutobjekt/x:Akte", NS)
    assert akte_el.findtext("x:Identifikation/x:ID", namespaces=NS) == akte.id
    assert akte_el.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) == akte.title
    assert akte_el.findtext("x:AllgemeineMetadaten/x:Kennzeichen", namespaces=NS) == akte.aktenzeichen
    assert akte_el.findtext("x:AllgemeineMetadaten/x:Medium/code", namespaces=NS) == "001"
    assert akte_el.findtext("x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", namespaces=NS) == "63.01"
    archiv = akte_el.find("x:ArchivspezifischeMetadaten", NS)
    assert archiv.findtext("x:Aussonderungsart/x:Aussonderungsart/code", namespaces=NS) == "A"
    assert archiv.findtext("x:Aufbewahrungsdauer/x:AnzahlJahre", namespaces=NS) == "10"
    assert archiv.findtext("x:Aufbewahrungsende", namespaces=NS) == "2025-03-02"
    assert akte_el.findtext("x:Laufzeit/x:Ende", namespaces=NS) == "2015-03-02"
    assert akte_el.findtext("x:ZdADatum", namespaces=NS) == "2015-03-02"

    vorgaenge = akte_el.findall("x:Akteninhalt/x:Vorgang", NS)
    assert [v.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) for v in vorgaenge] == [
        "Bauantrag & Prüfung <Vollständigkeit>", "Bescheid"]
    assert vorgaenge[0].findtext("x:AllgemeineMetadaten/x:Kennzeichen", namespaces=NS) == f"{akte.aktenzeichen}/1"
    # XML special characters and umlauts survive escaping
    assert b"Bauantrag &amp; Pr\xc3\xbcfung &lt;Vollst\xc3\xa4ndigkeit&gt;" in result.message_xml
    antrag = vorgaenge[0].find("x:Dokument", NS)
    assert antrag.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) == (
        "Bauantrag für \"Haus Sonnenblick\" – Größe 140 m²")
    assert antrag.findtext("x:Typ", namespaces=NS) == "Antrag"
    assert antrag.findtext("x:Bearbeiter", namespaces=NS) == "Erika Müller"
    assert antrag.findtext("x:Posteingangsdatum", namespaces=NS) is not None

    formats = {}
    for version in root.iterfind(".//x:Dokument/x:Version", NS):
        original = version.findtext("x:Format/x:Primaerdokument/x:DateinameOriginal", namespaces=NS)
        formats[original] = (version.findtext("x:Nummer", namespaces=NS),
                             version.findtext("x:Format/x:Name/code", namespaces=NS),
                             version.findtext("x:Format/x:SonstigerName", namespaces=NS),
                             version.findtext("x:Format/x:Version", namespaces=NS),
                             version.find("x:Format/x:Name", NS).get("listVersionID"))
    assert formats["Bauantrag.pdf"][:3] == ("1", "018", None)
    assert formats["Bauantrag.pdf"][3].startswith("1.")
    assert formats["Bauantrag_geändert.pdf"][:2] == ("2", "018")
    assert formats["pruefung.json"][1:3] == ("100", "JSON (JavaScript Object Notation, RFC 8259)")
    assert formats["bescheid.xml"][1] == "030"
    assert formats["vermerk.txt"][1] == "045"
    assert {f[4] for f in formats.values()} == {"2.0"}


def test_history_is_attached_to_the_objects_it_is_about(session_factory, file_store, tmp_path):
    with transaction(session_factory) as session:
        authority = factories.make_authority(session)
        unit = factories.make_unit(session, authority.id, disposal_code="B")
        akte = factories.make_akte(session, unit)
        vorgang = factories.add_vorgang(session, akte, "Antrag", case_id=str(uuid.uuid4()))
        dokument = factories.add_dokument(session, file_store, vorgang, "Antrag",
                                          [("a.txt", "text/plain", b"Antrag")])
        stream = f"akte/{akte.id}"
        record(session, stream, "akte.closed", actor="Sachbearbeiterin Özdemir", authority_id=authority.id,
               data={"reason": "erledigt & abgeschlossen"})
        record(session, case_stream(vorgang.case_id), "task.completed", actor="jörg", authority_id=authority.id,
               case_id=vorgang.case_id, data={"task": "Prüfen"})
        record(session, stream, "document.stored", actor="erika", authority_id=authority.id,
               data={"document_id": dokument.id, "version": 1})
        akte_id = akte.id

    result = _export(session_factory, file_store, akte_id, tmp_path / "p.zip")
    assert validate_xdomea(result.message_xml) == []
    root = etree.fromstring(result.message_xml)
    akte_el = root.find("x:Schriftgutobjekt/x:Akte", NS)

    def entries(element):
        return [(h.findtext("x:Akteur", namespaces=NS), h.findtext("x:Aktion", namespaces=NS))
                for h in element.findall("x:HistorienProtokollInformation", NS)]

    assert entries(akte_el) == [("Sachbearbeiterin Özdemir", "akte.closed")]
    assert "erledigt & abgeschlossen" in akte_el.findtext("x:HistorienProtokollInformation/x:Bemerkung",
                                                          namespaces=NS)
    vorgang_el = akte_el.find("x:Akteninhalt/x:Vorgang", NS)
    assert entries(vorgang_el) == [("jörg", "task.completed")]
    assert entries(vorgang_el.find("x:Dokument", NS)) == [("erika", "document.stored")]
    assert akte_el.findtext("x:ArchivspezifischeMetadaten/x:Aussonderungsart/x:Aussonderungsart/code",
                            namespaces=NS) == "B"


def test_export_records_the_handover_and_an_audit_event(session_factory, file_store, full_akte, tmp_path):
    result = _export(session_factory, file_store, full_akte, tmp_path / "p.zip")
    with transaction(session_factory) as session:
        handover = session.get(ArchiveHandover, result.handover_id)
        events = session.scalars(select(AuditEvent).where(AuditEvent.stream == f"akte/{full_akte}")).all()
    assert (handover.akte_id, handover.process_id, handover.package_sha256, handover.exported_by) == (
        full_akte, result.process_id, result.package_sha256, "archivar")
    assert handover.confirmed_at is None
    assert [e.kind for e in events] == ["akte.exported"]
    assert events[0].data["process_id"] == result.process_id
    assert events[0].data["package_sha256"] == result.package_sha256


def test_pdfa_documents_get_the_archival_pdf_code(session_factory, file_store, tmp_path):
    pdf = pikepdf.open(io.BytesIO(pdf_samples.clean()))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    buffer = io.BytesIO()
    pdf.save(buffer)
    with transaction(session_factory) as session:
        unit = factories.make_unit(session, factories.make_authority(session).id)
        akte = factories.make_akte(session, unit)
        vorgang = factories.add_vorgang(session, akte, "Bescheid")
        factories.add_dokument(session, file_store, vorgang, "Bescheid", [("b.pdf", "application/pdf", buffer.getvalue())])
        akte_id = akte.id
    result = _export(session_factory, file_store, akte_id, tmp_path / "p.zip")
    assert etree.fromstring(result.message_xml).findtext(".//x:Format/x:Name/code", namespaces=NS) == "044"
    assert validate_xdomea(result.message_xml) == []


def test_control_characters_are_replaced_so_the_message_stays_xml(session_factory, file_store, tmp_path):
    with transaction(session_factory) as session:
        unit = factories.make_unit(session, factories.make_authority(session).id)
        akte = factories.make_akte(session, unit, title="Akte mit\x01Steuer\x1bzeichen")
        akte_id = akte.id
    result = _export(session_factory, file_store, akte_id, tmp_path / "p.zip")
    assert validate_xdomea(result.message_xml) == []
    title = etree.fromstring(result.message_xml).findtext(".//x:Akte/x:AllgemeineMetadaten/x:Betreff", namespaces=NS)
    assert title == "Akte mit\ufffdSteuer\ufffdzeichen"


def test_destroyed_versions_are_not_exported(session_factory, file_store, full_akte, tmp_path):
    with transaction(session_factory) as session:
        version = session.scalars(
            select(DokumentVersion).join(Dokument).where(Dokument.akte_id == full_akte, DokumentVersion.version == 2)
        ).one()
        version.destroyed_at = datetime.now(timezone.utc)
        destroyed_id = version.id
    result = _export(session_factory, file_store, full_akte, tmp_path / "p.zip")
    assert len(result.files) == 4
    assert destroyed_id.encode() not in result.message_xml
    assert validate_xdomea(result.message_xml) == []


# --- refusals ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["open", "disposed"])
def test_only_closed_files_are_exported(session_factory, file_store, tmp_path, status):
    with transaction(session_factory) as session:
        unit = factories.make_unit(session, factories.make_authority(session).id)
        akte = factories.make_akte(session, unit, closed_at=None if status == "open" else factories.CLOSED_AT)
        akte.status = status
        akte_id = akte.id
    out = tmp_path / "p.zip"
    with pytest.raises(XdomeaExportError, match=f"is {status}: only closed files"):
        _export(session_factory, file_store, akte_id, out)
    assert list(tmp_path.iterdir()) == []
    with transaction(session_factory) as session:
        assert session.scalars(select(ArchiveHandover).where(ArchiveHandover.akte_id == akte_id)).all() == []


def test_missing_object_fails_the_export_without_a_package(session_factory, file_store, full_akte, tmp_path):
    with transaction(session_factory) as session:
        version = session.scalars(
            select(DokumentVersion).join(Dokument).where(Dokument.akte_id == full_akte).limit(1)
        ).first()
        file_store.delete(version.storage_key)
    out_dir = tmp_path / "out"
    with pytest.raises(XdomeaExportError, match="stored file cannot be read"):
        _export(session_factory, file_store, full_akte, out_dir / "p.zip")
    assert list(out_dir.iterdir()) == []
    with transaction(session_factory) as session:
        assert session.scalars(select(ArchiveHandover).where(ArchiveHandover.akte_id == full_akte)).all() == []


def test_sender_without_name_is_refused(session_factory, file_store, full_akte, tmp_path):
    with pytest.raises(ValueError, match="sender: 'name'"):
        _export(session_factory, file_store, full_akte, tmp_path / "p.zip", sender={"unit": "Bauamt"})
    with pytest.raises(ValueError, match="unknown key"):
        _export(session_factory, file_store, full_akte, tmp_path / "p.zip", sender={"name": "X", "nam": "Y"})

