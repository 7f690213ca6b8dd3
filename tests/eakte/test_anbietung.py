"""Disposal with the archive: offer list (0501), appraisal (0502), import confirmation (0506)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from lxml import etree
from sqlalchemy import func, select

from eakte.anbietung import import_appraisal, import_archive_confirmation, offer_to_archive
from eakte.audit import iter_breaks
from eakte.aussonderung import AussonderungError, destroy_akte, due_for_disposal
from eakte.errors import NotFound
from eakte.models import Akte, ArchiveHandover, ArchiveOffer, AuditEvent
from eakte.xdomea import export_0503, validate_xdomea
from eakte.xdomea.incoming import MAX_MESSAGE_BYTES, XdomeaMessageRejected
from engine.db import transaction
from tests.eakte import factories, xdomea_messages

pytestmark = pytest.mark.core

TODAY = date(2026, 1, 15)  # files closed 2015-03-02 with 10 years are due since 2025-03-02
NS = {"x": "urn:xoev-de:xdomea:schema:3.0.0"}
SENDER = {"name": "Stadt Grünhagen", "behoerdenschluessel": "13075049"}
ARCHIVE = {"name": xdomea_messages.ARCHIVE}


@pytest.fixture
def authority(session_factory, file_store):
    """An authority with due A, B and V files, an A file still within retention and an open B file."""
    with transaction(session_factory) as session:
        owner = factories.make_authority(session)
        units = {code: factories.make_unit(session, owner.id, code=f"63.0{i}", disposal_code=code)
                 for i, code in enumerate("ABV", start=1)}
        files = {code: factories.make_full_akte(session, file_store, units[code]) for code in "ABV"}
        later = factories.make_akte(session, units["A"], closed_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
        factories.make_akte(session, units["B"], closed_at=None)
        return {"id": owner.id, "slug": owner.slug, **{code: akte.id for code, akte in files.items()},
                "later": later.id, "names": {code: akte.aktenzeichen for code, akte in files.items()}
                | {"later": later.aktenzeichen}}


def _offer(session_factory, authority, tmp_path, aktenzeichen=None):
    with transaction(session_factory) as session:
        return offer_to_archive(session, authority["id"], sender=SENDER, recipient=ARCHIVE, actor="registratur",
                                out=tmp_path / "offer.xml", today=TODAY, aktenzeichen=aktenzeichen)


def _appraise(session_factory, authority, message):
    with transaction(session_factory) as session:
        return import_appraisal(session, authority["id"], message, actor="registratur")


def _destroy(session_factory, akte_id):
    with transaction(session_factory) as session:
        return destroy_akte(session, session.get(Akte, akte_id), actor="amtsleiterin", today=TODAY)


def _refused(session_factory, akte_id, match):
    with transaction(session_factory) as session:
        with pytest.raises(AussonderungError, match=match):
            destroy_akte(session, session.get(Akte, akte_id), actor="amtsleiterin", today=TODAY)


def _events(session, akte_id, kind=None):
    query = select(AuditEvent).where(AuditEvent.stream == f"akte/{akte_id}").order_by(AuditEvent.seq)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return session.scalars(query).all()


def _state(session_factory, authority):
    """Everything an import may change for the authority: offers, hand-overs and audit events."""
    with transaction(session_factory) as session:
        ids = [authority[code] for code in "ABV"]
        offers = sorted((o.akte_id, o.appraisal, str(o.appraised_at)) for o in session.scalars(
            select(ArchiveOffer).where(ArchiveOffer.akte_id.in_(ids))))
        handovers = sorted((h.akte_id, str(h.confirmed_at), h.archive_reference) for h in session.scalars(
            select(ArchiveHandover).where(ArchiveHandover.akte_id.in_(ids))))
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.stream.in_([f"akte/{i}" for i in ids])))
        return offers, handovers, events


def _handover(session_factory, file_store, akte_id, tmp_path):
    with transaction(session_factory) as session:
        return export_0503(session, file_store, session.get(Akte, akte_id), sender=SENDER, recipient=ARCHIVE,
                           actor="registratur", out=tmp_path / f"{akte_id}.zip")


# --- offer list ---------------------------------------------------------------------------------------------

def test_offer_lists_the_due_a_and_b_files_in_a_valid_0501(session_factory, authority, tmp_path):
    result = _offer(session_factory, authority, tmp_path)

    assert sorted(result.aktenzeichen) == sorted([authority["names"]["A"], authority["names"]["B"]])
    written = result.path.read_bytes()
    assert written == result.message_xml and validate_xdomea(written) == []
    root = etree.fromstring(written)
    assert etree.QName(root).localname == "Aussonderung.Anbieteverzeichnis.0501"
    assert root.findtext("x:Kopf/x:ProzessID", namespaces=NS) == result.process_id
    assert root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=NS) == "0501"
    assert root.findtext("x:Kopf/x:Empfaenger/x:Institution/x:Name", namespaces=NS) == ARCHIVE["name"]
    akten = root.findall("x:Schriftgutobjekt/x:Akte", NS)
    assert {a.findtext("x:Identifikation/x:ID", namespaces=NS): a.findtext(
        "x:ArchivspezifischeMetadaten/x:Aussonderungsart/x:Aussonderungsart/code", namespaces=NS)
        for a in akten} == {authority["A"]: "A", authority["B"]: "B"}
    assert not root.xpath("//x:Akteninhalt | //x:Primaerdokument | //x:HistorienProtokollInformation", namespaces=NS)

    with transaction(session_factory) as session:
        offers = session.scalars(select(ArchiveOffer).where(ArchiveOffer.process_id == result.process_id)).all()
        assert {(o.akte_id, o.disposal_code, o.offered_by, o.appraisal) for o in offers} == {
            (authority["A"], "A", "registratur", None), (authority["B"], "B", "registratur", None)}
        event = _events(session, authority["B"], "akte.offered")[0]
        assert (event.data["process_id"], event.data["recipient"], event.actor) == (
            result.process_id, ARCHIVE["name"], "registratur")
        due = {d.akte_id: d for d in due_for_disposal(session, authority["id"], TODAY)}
        assert due[authority["A"]].offer_process_id == result.process_id
        assert due[authority["V"]].offer_process_id is None
        assert all(not list(iter_breaks(session, f"akte/{authority[c]}")) for c in "ABV")


def test_offer_of_named_files_and_refusals(session_factory, authority, tmp_path):
    names = authority["names"]
    result = _offer(session_factory, authority, tmp_path, [names["B"], names["B"]])
    assert result.aktenzeichen == [names["B"]]

    with transaction(session_factory) as session:
        offer = lambda names_: offer_to_archive(  # noqa: E731
            session, authority["id"], sender=SENDER, recipient=ARCHIVE, actor="x", out=tmp_path / "again.xml",
            today=TODAY, aktenzeichen=names_)
        with pytest.raises(AussonderungError, match="already offered to the archive"):
            offer([names["B"]])
        with pytest.raises(AussonderungError, match="marked V: only A and B files are offered"):
            offer([names["V"]])
        with pytest.raises(AussonderungError, match="not due for disposal"):
            offer([names["later"]])
        with pytest.raises(NotFound, match="no file '63.01-0000'"):
            offer(["63.01-0000"])
    assert not (tmp_path / "again.xml").exists()

    _offer(session_factory, authority, tmp_path)  # the remaining A file
    with transaction(session_factory) as session:
        with pytest.raises(AussonderungError, match="no due A or B file to offer"):
            offer_to_archive(session, authority["id"], sender=SENDER, recipient=ARCHIVE, actor="x",
                             out=tmp_path / "none.xml", today=TODAY)


# --- appraisal and destruction --------------------------------------------------------------------------------

def test_declined_b_file_is_destroyed_and_kept_a_file_only_after_confirmed_hand_over(
        session_factory, file_store, authority, tmp_path):
    offer = _offer(session_factory, authority, tmp_path)
    _refused(session_factory, authority["B"], "marked B: it was offered to the archive on .* declined it")

    result = _appraise(session_factory, authority, xdomea_messages.appraisal(
        offer.process_id, [(authority["B"], "V"), (authority["A"], "A")]))
    assert result.decisions == {authority["names"]["B"]: "V", authority["names"]["A"]: "A"}
    assert result.not_appraised == []

    assert _destroy(session_factory, authority["B"]) == 5  # declined: no hand-over needed
    _refused(session_factory, authority["A"], "marked A: the archive wants it .* handed over")
    handover = _handover(session_factory, file_store, authority["A"], tmp_path)
    _refused(session_factory, authority["A"], "marked A: it was handed over on .* confirmed the receipt")

    with transaction(session_factory) as session:
        confirmed = import_archive_confirmation(session, authority["id"], xdomea_messages.import_confirmation(
            handover.process_id, [(authority["A"], True, "LAMV 5.12-3/1 Nr. 42")]), actor="registratur")
    assert (confirmed.archive_reference, confirmed.handover_id) == ("LAMV 5.12-3/1 Nr. 42", handover.handover_id)
    assert _destroy(session_factory, authority["A"]) == 5

    with transaction(session_factory) as session:
        assert session.get(Akte, authority["B"]).status == "disposed"
        destroyed_b = _events(session, authority["B"], "akte.destroyed")[0].data
        assert (destroyed_b["archive_appraisal"], destroyed_b["handover_id"]) == ("V", None)
        destroyed_a = _events(session, authority["A"], "akte.destroyed")[0].data
        assert (destroyed_a["archive_appraisal"], destroyed_a["archive_reference"]) == ("A", "LAMV 5.12-3/1 Nr. 42")
        appraised = _events(session, authority["B"], "akte.appraised")[0]
        assert (appraised.data["appraisal"], appraised.data["message"]["sender"]) == ("V", ARCHIVE["name"])
        confirmation = _events(session, authority["A"], "akte.archive_confirmed")[0]
        assert confirmation.data["message"]["type"] == "0506"
        assert [e.kind for e in _events(session, authority["A"])][:4] == [
            "akte.offered", "akte.appraised", "akte.exported", "akte.archive_confirmed"]
        for code in "ABV":
            assert list(iter_breaks(session, f"akte/{authority[code]}")) == []


def test_archive_may_decline_an_a_file_and_a_partial_appraisal_leaves_the_rest_waiting(
        session_factory, authority, tmp_path):
    offer = _offer(session_factory, authority, tmp_path)
    result = _appraise(session_factory, authority, xdomea_messages.appraisal(
        offer.process_id, [(authority["A"].upper(), "V")]))  # the schema allows upper-case UUIDs
    assert result.decisions == {authority["names"]["A"]: "V"}
    assert result.not_appraised == [authority["names"]["B"]]
    assert _destroy(session_factory, authority["A"]) == 5
    _refused(session_factory, authority["B"], "offered to the archive")


def test_appraisal_of_a_file_reopened_after_the_offer_is_refused(session_factory, authority, tmp_path):
    offer = _offer(session_factory, authority, tmp_path)
    with transaction(session_factory) as session:  # reopened, changed and closed again after the offer
        session.get(Akte, authority["B"]).closed_at = datetime.now(timezone.utc)
    with pytest.raises(XdomeaMessageRejected, match="reopened or destroyed after it was offered"):
        _appraise(session_factory, authority, xdomea_messages.appraisal(offer.process_id, [(authority["B"], "V")]))


# --- refused messages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("make_message", "match"), [
    (lambda ids: b"", "the message is empty"),
    (lambda ids: b"<xdomea:Aussonderung", "not well-formed XML"),
    (lambda ids: b"x" * (MAX_MESSAGE_BYTES + 1), "larger than 20 MB"),
    (lambda ids: b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
     + xdomea_messages.appraisal(ids["process"], [(ids["B"], "V")]).split(b"\n", 1)[1].replace(
         b"<xdomea:Kopf>", b"<xdomea:Kopf>&b;"), "not allowed|not well-formed"),
    (lambda ids: b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     + xdomea_messages.appraisal(ids["process"], [(ids["B"], "V")]).split(b"\n", 1)[1], "DTD, entities"),
    (lambda ids: xdomea_messages.import_confirmation(ids["process"], [(ids["B"], True, "R")]),
     "expected an xdomea 3.0.0 message Aussonderung.Bewertungsverzeichnis.0502, got "
     "'Aussonderung.AussonderungImportBestaetigen.0506'"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["B"], "V")]).replace(
        b"urn:xoev-de:xdomea:schema:3.0.0", b"urn:xoev-de:xdomea:schema:2.4.0"), "in namespace"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["B"], "V")]).replace(
        f"<xdomea:ID>{ids['B']}</xdomea:ID>".encode(), b"<xdomea:ID>63.02-2014-1</xdomea:ID>"),
     "not valid xdomea 3.0.0"),
    (lambda ids: xdomea_messages.appraisal(str(uuid.uuid4()), [(ids["B"], "V")]), "answers no offer list"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["V"], "V")]), "was not offered in the offer list"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["foreign"], "V")]), "not offered .* foreign"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["B"], "V"), (ids["B"], "A")]),
     "appraised more than once"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["B"], "B")]),
     r"Aussonderungsart 'B' is no decision; expected A \(archivieren\) or V \(vernichten\)"),
    (lambda ids: xdomea_messages.appraisal(ids["process"], [(ids["B"], "kassieren")], configurable=True),
     "AussonderungsartKonfigurierbar 'kassieren' is no decision"),
])
def test_hostile_malformed_or_foreign_appraisal_is_refused_and_changes_nothing(
        session_factory, file_store, authority, tmp_path, make_message, match):
    offer = _offer(session_factory, authority, tmp_path)
    with transaction(session_factory) as session:  # another authority's offered file
        other = factories.make_authority(session)
        unit = factories.make_unit(session, other.id, disposal_code="B")
        foreign = factories.make_akte(session, unit).id
    _offer(session_factory, {"id": other.id}, tmp_path / "other")
    ids = {"process": offer.process_id, "foreign": foreign, **{code: authority[code] for code in "ABV"}}
    message = make_message(ids)
    before = _state(session_factory, authority)
    with pytest.raises(XdomeaMessageRejected, match=match) as refused:
        _appraise(session_factory, authority, message)
    assert refused.value.status == 422
    assert _state(session_factory, authority) == before
    _refused(session_factory, authority["B"], "offered to the archive")


def test_second_import_and_import_for_another_authority_are_refused(session_factory, authority, tmp_path):
    offer = _offer(session_factory, authority, tmp_path)
    message = xdomea_messages.appraisal(offer.process_id, [(authority["B"], "V")])
    _appraise(session_factory, authority, message)
    before = _state(session_factory, authority)
    with pytest.raises(XdomeaMessageRejected, match=r"already appraised \(V\)"):
        _appraise(session_factory, authority, message)
    with transaction(session_factory) as session:
        stranger = factories.make_authority(session).id
    with pytest.raises(XdomeaMessageRejected, match="answers no offer list of this authority"):
        _appraise(session_factory, {"id": stranger}, message)
    assert _state(session_factory, authority) == before


# --- import confirmation (0506) -------------------------------------------------------------------------------

def test_failed_import_is_recorded_and_confirms_nothing(session_factory, file_store, authority, tmp_path):
    handover = _handover(session_factory, file_store, authority["A"], tmp_path)
    with transaction(session_factory) as session:
        result = import_archive_confirmation(session, authority["id"], xdomea_messages.import_confirmation(
            handover.process_id, [(authority["A"], False, None)], errors=("Primärdatei fehlt",)), actor="registratur")
    assert (result.archive_reference, result.errors) == (None, ["Primärdatei fehlt"])
    with transaction(session_factory) as session:
        assert session.get(ArchiveHandover, handover.handover_id).confirmed_at is None
        assert _events(session, authority["A"], "akte.archive_import_failed")[0].data["errors"] == ["Primärdatei fehlt"]
    _refused(session_factory, authority["A"], "handed over on .* confirmed the receipt")


@pytest.mark.parametrize(("results", "match"), [
    (lambda ids: (str(uuid.uuid4()), [(ids["A"], True, "R")]), "answers no hand-over of this authority"),
    (lambda ids: (ids["process"], [(ids["B"], True, "R")]), "was not handed over in process .* foreign ID"),
    (lambda ids: (ids["process"], [(ids["A"], True, None)]), "no Archivkennung"),
    (lambda ids: (ids["process"], [(ids["A"], True, "R"), (ids["A"], True, "R")]), "reports 2 results"),
])
def test_wrong_import_confirmation_is_refused_and_changes_nothing(
        session_factory, file_store, authority, tmp_path, results, match):
    handover = _handover(session_factory, file_store, authority["A"], tmp_path)
    process_id, entries = results({"process": handover.process_id, **authority})
    message = xdomea_messages.import_confirmation(process_id, entries)
    before = _state(session_factory, authority)
    with transaction(session_factory) as session:
        with pytest.raises(XdomeaMessageRejected, match=match):
            import_archive_confirmation(session, authority["id"], message, actor="registratur")
    assert _state(session_factory, authority) == before


def test_confirmation_is_imported_once(session_factory, file_store, authority, tmp_path):
    handover = _handover(session_factory, file_store, authority["A"], tmp_path)
    message = xdomea_messages.import_confirmation(handover.process_id, [(authority["A"], True, "LAMV 42")])
    with transaction(session_factory) as session:
        import_archive_confirmation(session, authority["id"], message, actor="registratur")
    with transaction(session_factory) as session:
        with pytest.raises(XdomeaMessageRejected, match=r"already confirmed .* \(reference LAMV 42\)"):
            import_archive_confirmation(session, authority["id"], message, actor="registratur")
    with transaction(session_factory) as session:
        with pytest.raises(XdomeaMessageRejected, match="expected an xdomea 3.0.0 message .*0506"):
            import_archive_confirmation(session, authority["id"], xdomea_messages.appraisal(
                handover.process_id, [(authority["A"], "V")]), actor="registratur")


# --- command line ---------------------------------------------------------------------------------------------

def test_cli_offers_imports_the_appraisal_and_the_confirmation(cli, tmp_path):
    with transaction(cli.sessions) as session:
        owner = factories.make_authority(session)
        akten = {code: factories.make_full_akte(session, cli.store, factories.make_unit(
            session, owner.id, code=f"63.0{i}", disposal_code=code, retention_years=1))
            for i, code in enumerate("AB", start=1)}
        slug = owner.slug
        ids = {code: akte.id for code, akte in akten.items()}
        names = {code: akte.aktenzeichen for code, akte in akten.items()}

    blank = cli.invoke("eakte", "offer", "--authority", slug, "--out", str(tmp_path / "0501.xml"), "--archive", " ")
    assert blank.exit_code == 2 and "--archive must name the receiving archive" in blank.output
    offered = cli.invoke("eakte", "offer", "--authority", slug, "--out", str(tmp_path / "0501.xml"))
    assert offered.exit_code == 0, offered.output
    assert names["A"] in offered.output and names["B"] in offered.output
    with transaction(cli.sessions) as session:
        process_id = session.scalars(select(ArchiveOffer.process_id).where(ArchiveOffer.akte_id == ids["A"])).one()
    assert validate_xdomea((tmp_path / "0501.xml").read_bytes()) == []
    due = cli.invoke("eakte", "due", "--authority", slug)
    assert f"{names['A']}\tA\t" in due.output and "\tangeboten\t" in due.output

    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    refused = cli.invoke("eakte", "import-appraisal", str(hostile), "--authority", slug)
    assert refused.exit_code == 2 and "error:" in refused.output
    foreign = tmp_path / "foreign.xml"
    foreign.write_bytes(xdomea_messages.appraisal(process_id, [(ids["B"], "V"), (str(uuid.uuid4()), "V")]))
    refused = cli.invoke("eakte", "import-appraisal", str(foreign), "--authority", slug)
    assert refused.exit_code == 2 and "unknown or foreign ID" in refused.output

    appraisal = tmp_path / "0502.xml"
    appraisal.write_bytes(xdomea_messages.appraisal(process_id, [(ids["B"], "V"), (ids["A"], "A")]))
    imported = cli.invoke("eakte", "import-appraisal", str(appraisal), "--authority", slug)
    assert imported.exit_code == 0, imported.output
    assert f"{names['B']}\tV\tvernichten" in imported.output and f"{names['A']}\tA\tarchivieren" in imported.output

    destroyed = cli.invoke("eakte", "destroy", names["B"], "--authority", slug, "--yes")
    assert destroyed.exit_code == 0 and "5 document version(s) destroyed" in destroyed.output
    kept = cli.invoke("eakte", "destroy", names["A"], "--authority", slug, "--yes")
    assert kept.exit_code == 2 and "the archive wants it" in kept.output

    exported = cli.invoke("eakte", "export-xdomea", names["A"], "--authority", slug,
                           "--out", str(tmp_path / "0503.zip"))
    assert exported.exit_code == 0, exported.output
    with transaction(cli.sessions) as session:
        handover = session.scalars(select(ArchiveHandover).where(ArchiveHandover.akte_id == ids["A"])).one()
    failed = tmp_path / "0506-failed.xml"
    failed.write_bytes(xdomea_messages.import_confirmation(handover.process_id, [(ids["A"], False, None)],
                                                           errors=("Virus gefunden",)))
    result = cli.invoke("eakte", "import-confirmation", str(failed), "--authority", slug)
    assert result.exit_code == 1 and "Virus gefunden" in result.output
    confirmation = tmp_path / "0506.xml"
    confirmation.write_bytes(xdomea_messages.import_confirmation(handover.process_id, [(ids["A"], True, "LAMV 42")]))
    result = cli.invoke("eakte", "import-confirmation", str(confirmation), "--authority", slug)
    assert result.exit_code == 0 and "confirmed (LAMV 42)" in result.output
    destroyed = cli.invoke("eakte", "destroy", names["A"], "--authority", slug, "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    assert cli.invoke("audit", "verify").exit_code == 0
