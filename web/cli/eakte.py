"""Commands of the electronic case file: file plan, verification, retention, archive, seal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from web.cli.common import ACTOR, Text, _fail, _or_exit, _run, _settings, _with_sessions, main



@main.group()
def eakte() -> None:
    """Electronic case files: file plan, verification, retention, archive."""


@eakte.command("load-plan")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", required=True, help="slug of the authority")
def eakte_load_plan(plan_file: Path, authority: str) -> None:
    """Load or update an authority's file plan (YAML or JSON) and its process mappings."""
    from eakte.aktenplan import load_file_plan, read_plan_file
    from engine.identity import get_authority

    plan = _or_exit(lambda: read_plan_file(plan_file))
    _run(lambda s: click.echo(f"{len(load_file_plan(s, get_authority(s, authority).id, plan))} file plan units loaded"))


@eakte.command("plan")
@click.option("--authority", required=True, help="slug of the authority")
def eakte_show_plan(authority: str) -> None:
    """Print an authority's file plan."""
    from eakte.aktenplan import list_units
    from engine.identity import get_authority

    def work(session):
        for unit in list_units(session, get_authority(session, authority).id):
            years = "dauernd" if unit.retention_years is None else f"{unit.retention_years} Jahre"
            click.echo(f"{unit.code:10} {unit.disposal_code} {years:12} {unit.title}")

    _run(work)


@eakte.command("verify")
@click.argument("aktenzeichen", required=False)
@click.option("--authority", help="slug of the authority (required with AKTENZEICHEN)")
def eakte_verify(aktenzeichen: str | None, authority: str | None) -> None:
    """Re-read every stored object of one file (or all files) and compare its SHA-256."""
    from eakte.akten import get_akte
    from eakte.storage import open_store
    from eakte.verify import verify_objects
    from engine.identity import get_authority

    if aktenzeichen and not authority:
        _fail("--authority is required when naming a file")
    store = open_store(_settings()["STORAGE_URL"])
    problems = []

    def work(session):
        akte = get_akte(session, get_authority(session, authority).id, aktenzeichen=aktenzeichen) if aktenzeichen else None
        problems.extend(verify_objects(session, store, akte))

    _run(work)
    for p in problems:
        click.echo(f"{p.aktenzeichen} document {p.document_id} version {p.version}: {p.problem} ({p.key})", err=True)
    if problems:
        sys.exit(1)
    click.echo("all stored objects verified")


@eakte.command("due")
@click.option("--authority", help="only this authority (slug)")
def eakte_due(authority: str | None) -> None:
    """List closed files whose retention period has ended, with their disposal code (A/B/V)."""
    from eakte.aussonderung import due_for_disposal
    from engine.db import utcnow
    from engine.identity import get_authority

    def work(session):
        authority_id = get_authority(session, authority).id if authority else None
        rows = due_for_disposal(session, authority_id, utcnow().date())
        for row in rows:
            click.echo(f"{row.aktenzeichen}\t{row.disposal_code}\t{row.retention_until}\t{_archive_state(row)}\t"
                       f"{row.title}")
        click.echo(f"{len(rows)} file(s) due for disposal", err=True)

    _run(work)


@eakte.command("sweep")
@click.option("--grace-hours", default=24, show_default=True, type=click.IntRange(min=1, max=1_000_000),
              help="only objects older than this are removed")
def eakte_sweep(grace_hours: int) -> None:
    """Remove stored objects that no document references (left behind by interrupted writes)."""
    from datetime import timedelta

    from eakte.storage import open_store
    from eakte.verify import sweep_orphans
    from engine.db import utcnow

    store = open_store(_settings()["STORAGE_URL"])
    removed = []
    _run(lambda s: removed.extend(sweep_orphans(s, store, now=utcnow(), grace=timedelta(hours=grace_hours))))
    click.echo(f"{len(removed)} orphaned object(s) removed")


def _archive_state(row) -> str:
    """Where a due file stands in the archive procedure, for the due list."""
    if row.archive_confirmed:
        return "archiviert"
    if row.handover_id:
        return "abgegeben"
    if row.archive_appraisal:
        return f"bewertet:{row.archive_appraisal}"
    return "angeboten" if row.offer_process_id else "-"


def _archive_options(command):
    """Options naming the receiving archive and the sending authority's key (offer and hand-over)."""
    command = click.option("--sender-key", envvar="AKTENFLUSS_XDOMEA_SENDER_KEY",
                           help="Behördenschlüssel of the authority")(command)
    return click.option("--archive", "archive_name", envvar="AKTENFLUSS_XDOMEA_ARCHIVE", show_default=True,
                        default="Landesarchiv Mecklenburg-Vorpommern", callback=_named_archive,
                        help="name of the receiving archive")(command)


def _named_archive(_context, _parameter, value: str) -> str:
    if not value.strip():
        _fail("--archive must name the receiving archive")
    return value.strip()


@eakte.command("offer")
@click.argument("aktenzeichen", nargs=-1)
@click.option("--authority", required=True, help="slug of the authority")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="XML file to write")
@_archive_options
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR,
              help="recorded as the person offering")
def eakte_offer(aktenzeichen, authority, out, archive_name, sender_key, username) -> None:
    """Write the offer list (xdomea 0501) of the due A and B files (or the named ones) and record the offer."""
    from eakte.anbietung import offer_to_archive
    from eakte.xdomea.message import authority_contact
    from engine.db import utcnow
    from engine.identity import get_authority

    def work(session):
        owner = get_authority(session, authority)
        try:
            result = offer_to_archive(session, owner.id, sender=authority_contact(owner.name, owner.slug, sender_key),
                                      recipient={"name": archive_name}, actor=username, today=utcnow().date(),
                                      out=out, aktenzeichen=list(aktenzeichen))
        except FileNotFoundError as exc:  # the xdomea schema is needed to validate every offer
            _fail(str(exc))
        for name in result.aktenzeichen:
            click.echo(name)
        click.echo(f"{result.path}: {len(result.aktenzeichen)} file(s) offered, process {result.process_id}")

    _run(work)


@eakte.command("import-appraisal")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", required=True, help="slug of the authority whose offer the message answers")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR,
              help="recorded as the person importing")
def eakte_import_appraisal(message_file: Path, authority: str, username: str) -> None:
    """Record the archive's appraisal (xdomea 0502): V files become destroyable, A files are to be handed over."""
    from eakte.anbietung import DECISIONS, import_appraisal
    from engine.identity import get_authority

    data = _read_message(message_file)

    def work(session):
        result = import_appraisal(session, get_authority(session, authority).id, data, actor=username)
        for name, code in result.decisions.items():
            click.echo(f"{name}\t{code}\t{DECISIONS[code]}")
        for name in result.not_appraised:
            click.echo(f"{name}\t-\tnoch nicht bewertet")
        click.echo(f"{len(result.decisions)} decision(s) recorded for offer {result.process_id}", err=True)

    _run_import(work)


@eakte.command("import-confirmation")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", required=True, help="slug of the authority whose hand-over the message answers")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR,
              help="recorded as the person importing")
def eakte_import_confirmation(message_file: Path, authority: str, username: str) -> None:
    """Record the archive's import confirmation (xdomea 0506) of a hand-over (allows destroying the file)."""
    from eakte.anbietung import import_archive_confirmation
    from engine.identity import get_authority

    data = _read_message(message_file)
    results = []

    def work(session):
        results.append(import_archive_confirmation(session, get_authority(session, authority).id, data,
                                                   actor=username))

    _run_import(work)
    result = results[0]
    if result.archive_reference is None:  # recorded, but the archive did not take the file over
        click.echo(f"error: the archive could not import {result.aktenzeichen} (hand-over {result.handover_id}): "
                   + ("; ".join(result.errors) or "no reason given"), err=True)
        sys.exit(1)
    click.echo(f"hand-over {result.handover_id} of {result.aktenzeichen} confirmed ({result.archive_reference})")


def _read_message(path: Path) -> bytes:
    """Read a message file, refusing one larger than the import limit before reading it whole."""
    from eakte.xdomea.incoming import MAX_MESSAGE_BYTES

    with path.open("rb") as handle:
        data = handle.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        _fail(f"{path}: the message is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    return data


def _run_import(work) -> None:
    """Like ``_run``, also listing every problem of a refused message."""
    from eakte.xdomea.incoming import XdomeaMessageRejected

    def guarded(session):
        try:
            work(session)
        except XdomeaMessageRejected as exc:
            for problem in exc.problems[1:]:
                click.echo(f"  {problem}", err=True)
            raise
        except FileNotFoundError as exc:  # the xdomea schema is needed to validate every message
            _fail(str(exc))

    _run(guarded)


@eakte.command("export-xdomea")
@click.argument("aktenzeichen")
@click.option("--authority", required=True, help="slug of the authority")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="ZIP file to write")
@_archive_options
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR, help="recorded as the exporter")
def eakte_export_xdomea(aktenzeichen, authority, out, archive_name, sender_key, username) -> None:
    """Write the xdomea 3.0.0 hand-over package (0503) of a closed file and record the hand-over."""
    from eakte.akten import get_akte
    from eakte.storage import open_store
    from eakte.xdomea import export_0503
    from eakte.xdomea.message import authority_contact
    from engine.identity import get_authority

    store = open_store(_settings()["STORAGE_URL"])

    def work(session):
        owner = get_authority(session, authority)
        try:
            result = export_0503(session, store, get_akte(session, owner.id, aktenzeichen=aktenzeichen),
                                 sender=authority_contact(owner.name, owner.slug, sender_key),
                                 recipient={"name": archive_name},
                                 actor=username, out=out)
        except FileNotFoundError as exc:  # the xdomea schema is needed to validate every export
            _fail(str(exc))
        click.echo(f"{result.path}: {len(result.files)} document file(s), process {result.process_id}")
        click.echo(f"hand-over {result.handover_id}, package SHA-256 {result.package_sha256}")

    _run(work)


@eakte.command("confirm-archive")
@click.argument("handover_id")
@click.option("--reference", required=True, type=Text(200), help="the archive's reference for the received file")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR,
              help="recorded as the person confirming")
def eakte_confirm_archive(handover_id: str, reference: str, username: str) -> None:
    """Record the archive's confirmation of a hand-over (allows destroying A/B files)."""
    from eakte.aussonderung import confirm_archive

    _run(lambda s: click.echo(f"hand-over {confirm_archive(s, handover_id, actor=username, archive_reference=reference).id} "
                              f"confirmed ({reference})"))


@eakte.command("destroy")
@click.argument("aktenzeichen")
@click.option("--authority", required=True, help="slug of the authority")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR,
              help="recorded as the person ordering it")
@click.confirmation_option(prompt="Destroy the content of this file irreversibly?")
def eakte_destroy(aktenzeichen: str, authority: str, username: str) -> None:
    """Destroy a file due for disposal (V; A/B declined by the archive or after it confirmed); re-run to finish."""
    from eakte.aussonderung import destroy_file
    from eakte.storage import open_store
    from engine.db import transaction
    from engine.identity import get_authority

    def destroy(sessions):
        with transaction(sessions) as session:
            authority_id = get_authority(session, authority).id
        return destroy_file(sessions, open_store(_settings()["STORAGE_URL"]), authority_id=authority_id,
                            aktenzeichen=aktenzeichen, actor=username)

    result = _with_sessions(destroy)
    if result.already_destroyed:
        click.echo(f"{aktenzeichen} was already destroyed; removing objects left over")
    else:
        click.echo(f"{aktenzeichen}: {result.versions_destroyed} document version(s) destroyed")
    if not result.complete:
        _fail("the content is destroyed, but the document storage is not available to delete its objects; "
              "run the command again to finish")
    click.echo(f"{result.objects_deleted} stored object(s) deleted")


@eakte.command("make-seal-certificate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="directory for seal-key.pem, seal-cert.pem and ca-cert.pem")
@click.option("--authority-name", required=True, help="organisation named in the certificate")
@click.option("--passphrase", help="encrypt the key with this passphrase")
def eakte_make_seal_certificate(out_dir: Path, authority_name: str, passphrase: str | None) -> None:
    """Create a TEST seal certificate with its own test CA (for tests and the demo, never for production)."""
    from eakte.siegel import SealError, make_test_seal_certificate

    try:
        key, cert, ca = make_test_seal_certificate(out_dir, authority_name, passphrase=passphrase)
    except SealError as exc:
        _fail(str(exc))
    click.echo(f"AKTENFLUSS_SEAL_KEY_FILE={key}")
    click.echo(f"AKTENFLUSS_SEAL_CERT_FILE={cert}")
    click.echo(f"AKTENFLUSS_SEAL_CHAIN_FILES={ca}")
    click.echo("test certificate: seals made with it verify only against the CA above", err=True)
