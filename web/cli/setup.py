"""Commands that set an installation up: schema, models, API document, users, audit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.db import transaction
from web.cli.common import ACTOR, _context, _fail, _or_exit, _run, _sessions, _settings, main



@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from engine.migrate import upgrade

    url = _settings()["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    _or_exit(lambda: upgrade(url))
    click.echo("database is up to date")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--authority", help="deploy for this authority only (slug); default: shared by all")
@click.option("--user", "username", default="cli", show_default=True, type=ACTOR, help="recorded as the deployer")
def deploy(files: tuple[Path, ...], authority: str | None, username: str) -> None:
    """Deploy a procedure package: its folder, a ZIP of it, or its files (BPMN, DMN, forms, templates, manifest)."""
    from engine.identity import get_authority
    from engine.loader import ModelValidationError
    from processes.casework import deploy_model
    from web.cli.packages import print_problems, read_package

    ctx = _context()
    try:
        contents = read_package(files)
    except ModelValidationError as exc:
        print_problems(exc)

    def work(session):
        authority_id = get_authority(session, authority).id if authority else None
        deployment = deploy_model(session, ctx, contents, authority_id=authority_id, actor=username)
        d = deployment.definition
        state = "deployed" if deployment.created else "unchanged, already deployed"
        click.echo(f"{d.key} version {d.version}: {state} (id {d.id})")

    try:
        _run(work)
    except ModelValidationError as exc:
        print_problems(exc)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("web/api/openapi.json"),
              show_default=True)
def openapi(out: Path) -> None:
    """Write the REST API's OpenAPI document (committed; a test fails when it drifts from the code)."""
    from web.api.spec import openapi_json

    try:
        out.write_text(openapi_json(), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    click.echo(f"OpenAPI written to {out}")


@main.group()
def users() -> None:
    """Authorities, users and API tokens."""


@users.command("create-authority")
@click.argument("slug")
@click.argument("name")
def create_authority(slug: str, name: str) -> None:
    """Create an authority (tenant)."""
    from engine.identity import create_authority as _create

    _run(lambda s: click.echo(f"authority {_create(s, slug, name).slug} created"))


@users.command("create")
@click.argument("username")
@click.option("--authority", required=True, help="slug of the user's authority")
@click.option("--role", "roles", multiple=True, required=True,
              help="admin, modeller, clerk, supervisor, operator (the platform's; repeatable)")
@click.option("--group", "groups", multiple=True, help="candidate group / lane name (repeatable)")
@click.option("--name", "display_name", help="display name")
@click.option("--password", help="password for the web UI (at least 10 characters)")
@click.option("--token/--no-token", default=True, show_default=True, help="print a new API token")
def create_user(username, authority, roles, groups, display_name, password, token) -> None:
    """Create a user and print an API token."""
    from engine.identity import create_user as _create, get_authority, issue_token

    def work(session):
        user = _create(
            session, get_authority(session, authority), username,
            roles=list(roles), groups=list(groups), display_name=display_name, password=password,
        )
        click.echo(f"user {user.username} created in {authority}")
        if token:
            click.echo(f"API token: {issue_token(session, user, label='cli')}")

    _run(work)


@users.command("token")
@click.argument("username")
@click.option("--authority", required=True)
def new_token(username: str, authority: str) -> None:
    """Issue another API token for an existing user."""
    from engine.identity import get_authority, issue_token
    from processes.casework import find_user

    _run(lambda s: click.echo(f"API token: {issue_token(s, find_user(s, get_authority(s, authority).id, username), label='cli')}"))


@main.group()
def audit() -> None:
    """Audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check every hash chain of the audit log; exit 1 naming the first broken event."""
    from eakte.audit import iter_breaks

    with transaction(_sessions()) as session:
        breaks = list(iter_breaks(session))
    if not breaks:
        click.echo("audit log verified: all chains intact")
        return
    for brk in breaks:
        event = f"event id {brk.event_id}" if brk.event_id is not None else "end of stream"
        click.echo(f"BROKEN {brk.stream} at #{brk.seq} ({event}): {brk.reason}", err=True)
    sys.exit(1)
