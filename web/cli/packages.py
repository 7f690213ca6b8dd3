"""Commands for procedure packages: export, import, and setting an imported package up.

(``aktenfluss deploy DIR|ZIP|FILES`` lives in web/cli/setup.py and reads packages with ``read_package``.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from web.cli.common import ACTOR, _context, _fail, _run, main


def read_package(paths: tuple[Path, ...]) -> dict[str, bytes]:
    """Return the files of a package given as one folder, one ZIP archive, or its files.

    A folder's files are read from its top level (hidden files are skipped);
    the archive is read with the limits of processes/packages/archive.py.
    """
    from processes.packages.archive import files_of_upload

    if len(paths) == 1 and paths[0].is_dir():
        found = sorted(path for path in paths[0].iterdir() if path.is_file() and not path.name.startswith("."))
        if not found:
            _fail(f"the directory {paths[0]} holds no package files")
        paths = tuple(found)
    elif any(path.is_dir() for path in paths):
        _fail("give one package directory, one ZIP archive, or the package's files (not a directory among files)")
    try:
        uploads = [(path.name, path.read_bytes()) for path in paths]
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror}")
    return files_of_upload(uploads)


def print_problems(exc) -> None:
    """Print every problem of a refused package and exit with code 2."""
    click.echo(f"package rejected: {len(exc.problems)} problem(s)", err=True)
    for p in exc.problems:
        where = ", ".join(x for x in (p.file, f"line {p.line}" if p.line else None, p.pointer, p.element_id) if x)
        click.echo(f"  - {where}: {p.message}" if where else f"  - {p.message}", err=True)
    sys.exit(2)


def print_requirements(found) -> None:
    """Print the setup checklist of a package."""
    for requirement in found:
        mark = "ok     " if requirement.met else "MISSING"
        click.echo(f"  {mark} {requirement.kind} {requirement.name}: {requirement.message}")
    click.echo("ready: cases can start" if all(r.met for r in found) else
               "not ready: cases of this process are refused until everything is configured")


@main.command("export")
@click.argument("process_key")
@click.option("--authority", required=True, help="the exporting authority (slug)")
@click.option("--version", "version", type=click.IntRange(min=1), help="the version (default: the newest)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="the ZIP to write")
def export(process_key: str, authority: str, version: int | None, out: Path) -> None:
    """Export a procedure package (ZIP with manifest.json) for another authority (Einer für Alle)."""
    from engine import definitions
    from engine.errors import NotFound
    from engine.identity import get_authority
    from processes.packages.exchange import export_package

    ctx = _context()

    def work(session):
        owner = get_authority(session, authority)
        found = [d for d in definitions.list_definitions(session, owner.id, key=process_key)
                 if version is None or d.version == version]
        if not found:
            raise NotFound(f"no process '{process_key}'" + (f" version {version}" if version else "") +
                           f" visible to authority '{authority}'")
        name, data = export_package(session, ctx, found[0], owner.id)
        try:
            out.write_bytes(data)
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror}")
        click.echo(f"{found[0].key} version {found[0].version} exported to {out} ({len(data)} bytes)")

    _run(work)


@main.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", required=True, help="the importing authority (slug)")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR, help="recorded as the importer")
def import_(archive: Path, authority: str, username: str) -> None:
    """Import a package another authority exported, and list what this authority still has to configure."""
    from engine.identity import get_authority
    from engine.loader import ModelValidationError
    from processes.packages.exchange import import_archive

    ctx = _context()

    def work(session):
        owner = get_authority(session, authority)
        result = import_archive(session, ctx, archive.read_bytes(), owner.id, username, archive.name)
        d = result.deployment.definition
        click.echo(f"{d.key} version {d.version} imported for {authority}")
        print_requirements(result.requirements)

    try:
        _run(work)
    except ModelValidationError as exc:
        print_problems(exc)


@main.command("setup")
@click.argument("process_key")
@click.option("--authority", required=True, help="the authority (slug)")
@click.option("--unit", help="file new cases under this unit of the file plan (code)")
@click.option("--create-unit", is_flag=True, help="create the unit the package suggests and file cases under it")
@click.option("--group", "groups", multiple=True, metavar="NAME=USER,USER",
              help="make exactly these users the members of the group (repeatable)")
@click.option("--system", "systems", multiple=True, metavar="NAME=URL",
              help="where a specialist system is for this authority (repeatable)")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR, help="recorded as the actor")
def setup(process_key, authority, unit, create_unit, groups, systems, username) -> None:
    """Show (and configure) what a package needs from an authority: groups, roles, systems, file plan unit."""
    from engine import definitions
    from engine.db import utcnow
    from engine.identity import get_authority
    from processes.packages import configure
    from processes.packages.setup import requirements

    ctx = _context()
    group_members = [_pair(text, "--group") for text in groups]
    system_urls = [_pair(text, "--system") for text in systems]

    def work(session):
        owner = get_authority(session, authority)
        definition = definitions.latest_definition(session, process_key, owner.id)
        if unit:
            configure.assign_unit(session, owner.id, process_key, unit, actor=username)
        if create_unit:
            configure.create_suggested_unit(session, owner.id, definition, actor=username, now=utcnow())
        for name, members in group_members:
            configure.set_group_members(session, owner.id, process_key, name,
                                        [m.strip() for m in members.split(",") if m.strip()], actor=username)
        for name, url in system_urls:
            configure.configure_system(session, owner.id, process_key, name, url, 10.0, {}, actor=username,
                                       now=utcnow())
        click.echo(f"{definition.key} version {definition.version} for {authority}:")
        print_requirements(requirements(session, ctx, owner, definition))

    _run(work)


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        _fail(f"{option} expects NAME=VALUE, got '{text[:100]}'")
    return name.strip(), value.strip()
