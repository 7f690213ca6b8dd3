"""The `aktenfluss` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError
from web import config


def _settings() -> dict:
    return config.load()


def _sessions():
    return make_session_factory(make_engine(_settings()["DATABASE_URL"]))


def _context():
    """The engine context the configuration describes (store, seal, connectors)."""
    from web.engine_context import context_from_settings

    return context_from_settings(_settings())[0]


@click.group()
def main() -> None:
    """Aktenfluss: BPMN process engine with an electronic case file."""


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
    upgrade(url)
    click.echo("database is up to date")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", help="deploy for this authority only (slug); default: shared by all")
@click.option("--user", "username", default="cli", show_default=True, help="recorded as the deployer")
def deploy(files: tuple[Path, ...], authority: str | None, username: str) -> None:
    """Deploy one BPMN file (plus its DMN files) as a process definition."""
    from engine.identity import get_authority
    from engine.loader import ModelValidationError
    from processes.casework import deploy_model

    ctx = _context()
    contents = {path.name: path.read_bytes() for path in files}
    try:
        with transaction(_sessions()) as session:
            authority_id = get_authority(session, authority).id if authority else None
            deployment = deploy_model(session, ctx, contents, authority_id=authority_id, actor=username)
            d = deployment.definition
            state = "deployed" if deployment.created else "unchanged, already deployed"
            click.echo(f"{d.key} version {d.version}: {state} (id {d.id})")
    except ModelValidationError as exc:
        click.echo(f"model rejected: {len(exc.problems)} problem(s)", err=True)
        for p in exc.problems:
            where = ", ".join(x for x in (p.file, f"line {p.line}" if p.line else None, p.element_id) if x)
            click.echo(f"  - {where}: {p.message}" if where else f"  - {p.message}", err=True)
        sys.exit(2)
    except EngineError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run a living demo: simulators, demo authorities, users, cases, a worker and the web UI (Ctrl-C ends it)."""
    from web.demo import run_demo

    _or_exit(lambda: run_demo(_settings(), config.INSTANCE_DIR, host, port, click.echo))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1), help="web processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web UI and the REST API with gunicorn (stateless processes; scale by adding more)."""
    from gunicorn.app.base import BaseApplication

    from web import create_app

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")

        def load(self):
            return create_app()  # in each worker process: no connection pool crosses a fork

    click.echo(f"Aktenfluss läuft auf http://{host}:{port}/ (API: http://{host}:{port}/api/v1/openapi.json)")
    _Server().run()


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("web/api/openapi.json"),
              show_default=True)
def openapi(out: Path) -> None:
    """Write the REST API's OpenAPI document (committed; a test fails when it drifts from the code)."""
    from web.api.spec import openapi_json

    out.write_text(openapi_json(), encoding="utf-8")
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
@click.option("--role", "roles", multiple=True, required=True, help="admin, modeller, clerk, supervisor (repeatable)")
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


def _run(work) -> None:
    """Run ``work(session)`` in one transaction; user errors exit with code 2 and a message."""
    _or_exit(lambda: _in_transaction(work))


def _in_transaction(work) -> None:
    with transaction(_sessions()) as session:
        work(session)


def _or_exit(call):
    from eakte.errors import EakteError
    from eakte.storage import StorageError

    try:
        return call()
    except (EngineError, EakteError) as exc:
        _fail(exc.message)
    except StorageError as exc:
        _fail(f"document storage: {exc}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


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
            click.echo(f"{row.aktenzeichen}\t{row.disposal_code}\t{row.retention_until}\t{row.title}")
        click.echo(f"{len(rows)} file(s) due for disposal", err=True)

    _run(work)


@eakte.command("sweep")
@click.option("--grace-hours", default=24, show_default=True, type=click.IntRange(min=1),
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


@main.group()
def bench() -> None:
    """Benchmarks (they print measured figures and the targets)."""


@bench.command("engine")
@click.option("--lifecycles", default=300, show_default=True, help="lifecycles per measurement")
@click.option("--steps", default=1000, show_default=True, help="steps of the long-running case")
def bench_engine(lifecycles: int, steps: int) -> None:
    """Engine vs bare SpiffWorkflow, and step cost of a long case (writes into the configured database)."""
    from web.bench.engine import run

    url = _settings()["DATABASE_URL"]
    result = run(url, lifecycles=lifecycles, long_steps=steps)
    click.echo(f"database: {url.split('@')[-1]}")
    click.echo(f"bare SpiffWorkflow (memory): {result.bare_per_second:8.1f} lifecycles/s")
    click.echo(f"Aktenfluss (database):       {result.engine_per_second:8.1f} lifecycles/s")
    click.echo(f"ratio engine/bare:           {result.ratio:8.3f}   (target >= 0.4 on PostgreSQL)")
    click.echo(f"step 10 of a long case:      {result.step_ms_early:8.2f} ms")
    click.echo(f"step {steps} of a long case:    {result.step_ms_late:8.2f} ms")
    click.echo(f"late/early:                  {result.late_vs_early:8.2f}   (target <= 1.5)")


@eakte.command("export-xdomea")
@click.argument("aktenzeichen")
@click.option("--authority", required=True, help="slug of the authority")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="ZIP file to write")
@click.option("--archive", "archive_name", envvar="AKTENFLUSS_XDOMEA_ARCHIVE", show_default=True,
              default="Landesarchiv Mecklenburg-Vorpommern", help="name of the receiving archive")
@click.option("--sender-key", envvar="AKTENFLUSS_XDOMEA_SENDER_KEY", help="Behördenschlüssel of the authority")
@click.option("--user", "username", default="cli", show_default=True, help="recorded as the exporter")
def eakte_export_xdomea(aktenzeichen, authority, out, archive_name, sender_key, username) -> None:
    """Write the xdomea 3.0.0 hand-over package (0503) of a closed file and record the hand-over."""
    from eakte.akten import get_akte
    from eakte.storage import open_store
    from eakte.xdomea import export_0503
    from engine.identity import get_authority

    if not archive_name.strip():
        _fail("--archive must name the receiving archive")
    store = open_store(_settings()["STORAGE_URL"])

    def work(session):
        owner = get_authority(session, authority)
        sender = {"name": owner.name, "short_name": owner.slug}
        if sender_key:
            sender["behoerdenschluessel"] = sender_key
        try:
            result = export_0503(session, store, get_akte(session, owner.id, aktenzeichen=aktenzeichen),
                                 sender=sender, recipient={"name": archive_name}, actor=username, out=out)
        except FileNotFoundError as exc:  # the xdomea schema is needed to validate every export
            _fail(str(exc))
        click.echo(f"{result.path}: {len(result.files)} document file(s), process {result.process_id}")
        click.echo(f"hand-over {result.handover_id}, package SHA-256 {result.package_sha256}")

    _run(work)


@eakte.command("confirm-archive")
@click.argument("handover_id")
@click.option("--reference", required=True, help="the archive's reference for the received file")
@click.option("--user", "username", default="cli", show_default=True, help="recorded as the person confirming")
def eakte_confirm_archive(handover_id: str, reference: str, username: str) -> None:
    """Record the archive's confirmation of a hand-over (allows destroying A/B files)."""
    from eakte.aussonderung import confirm_archive

    _run(lambda s: click.echo(f"hand-over {confirm_archive(s, handover_id, actor=username, archive_reference=reference).id} "
                              f"confirmed ({reference})"))


@eakte.command("destroy")
@click.argument("aktenzeichen")
@click.option("--authority", required=True, help="slug of the authority")
@click.option("--user", "username", default="cli", show_default=True, help="recorded as the person ordering it")
@click.confirmation_option(prompt="Destroy the content of this file irreversibly?")
def eakte_destroy(aktenzeichen: str, authority: str, username: str) -> None:
    """Destroy a file due for disposal (V, or A/B after the archive confirmed); re-run to finish an interrupted run."""
    from eakte.akten import get_akte
    from eakte.aussonderung import destroy_akte, purge_destroyed_objects
    from eakte.storage import open_store
    from engine.identity import get_authority

    store = open_store(_settings()["STORAGE_URL"])
    akte_ids = []

    def mark(session):  # step 1: rows and tombstones, committed before any object is deleted
        akte = get_akte(session, get_authority(session, authority).id, aktenzeichen=aktenzeichen)
        akte_ids.append(akte.id)
        if akte.status == "disposed":
            click.echo(f"{aktenzeichen} was already destroyed; removing objects left over")
        else:
            click.echo(f"{aktenzeichen}: {destroy_akte(session, akte, actor=username)} document version(s) destroyed")

    _run(mark)
    _run(lambda s: click.echo(f"{purge_destroyed_objects(s, store, akte_id=akte_ids[0])} stored object(s) deleted"))


@bench.command("eakte")
@click.option("--documents", default=50, show_default=True, type=click.IntRange(min=5), help="documents per side")
def bench_eakte(documents: int) -> None:
    """Documents stored per second through the E-Akte vs raw S3 PUTs (needs an s3:// storage URL)."""
    from web.bench.eakte import run

    settings = _settings()
    result = _or_exit(lambda: _bench_or_fail(run, settings["DATABASE_URL"], settings["STORAGE_URL"], documents))
    click.echo(f"1 MB PDFs, {result.documents} per side")
    click.echo(f"E-Akte (check, hash, store, row, audit): {result.eakte_per_second:8.1f} documents/s")
    click.echo(f"raw S3 PUT (minio client):               {result.raw_put_per_second:8.1f} documents/s")
    click.echo(f"ratio E-Akte/raw:                        {result.ratio:8.3f}   (target >= 0.8)")


def _bench_or_fail(run, *args):
    try:
        return run(*args)
    except ValueError as exc:
        _fail(str(exc))


@bench.command("inbox")
@click.option("--tasks", "open_tasks", default=1_000_000, show_default=True, help="open tasks to generate")
@click.option("--repeats", default=100, show_default=True, help="measurements per query variant")
def bench_inbox(open_tasks: int, repeats: int) -> None:
    """Inbox query and page with many open tasks (PostgreSQL; writes into the configured database)."""
    from web.bench.inbox import run

    url = _settings()["DATABASE_URL"]
    timings, page = run(url, open_tasks=open_tasks, repeats=repeats)
    click.echo(f"database: {url.split('@')[-1]}, {open_tasks:,} open tasks")
    for timing in timings:
        click.echo(f"{timing.name:40s} p50 {timing.p50:7.2f} ms  p95 {timing.p95:7.2f} ms  ({timing.total:,} matches)")
    click.echo("target: p95 <= 50 ms for the inbox query at 1,000,000 open tasks")
    if page is not None:
        click.echo(f"{page.name:40s} p50 {page.p50:7.2f} ms  p95 {page.p95:7.2f} ms")


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="worker threads in this process (SQLite: 1); start more processes to use more cores")
@click.option("--lease", default=30.0, show_default=True, help="seconds a claimed job stays ours without heartbeat")
@click.option("--poll", default=0.2, show_default=True, help="seconds to wait when no job is due")
@click.option("--retry-base", default=5.0, show_default=True, help="seconds before the first retry (doubles each time)")
@click.option("--authority", help="only this authority's jobs (slug): a dedicated worker; default all")
def worker(concurrency: int, lease: float, poll: float, retry_base: float, authority: str | None) -> None:
    """Run background jobs (service tasks, timers) until SIGTERM or Ctrl-C; the current job is finished first."""
    import logging
    import signal
    import threading
    from datetime import timedelta

    from engine.jobs import Backoff
    from engine.worker import run_workers

    url = _settings()["DATABASE_URL"]
    if url.startswith("sqlite") and concurrency > 1:
        click.echo("SQLite supports one worker; using --concurrency 1", err=True)
        concurrency = 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    authority_id = None
    if authority:
        from engine.identity import get_authority

        found: list[str] = []
        _run(lambda session: found.append(get_authority(session, authority).id))
        authority_id = found[0]
    click.echo(f"worker started ({concurrency} thread(s)) on {url.split('@')[-1]}")
    run_workers(_sessions(), _context(), stop, concurrency=concurrency, authority_id=authority_id,
                lease=timedelta(seconds=lease), poll_interval=poll, backoff=Backoff(base_seconds=retry_base))
    click.echo("worker stopped")


@main.group()
def connectors() -> None:
    """Connector endpoints of specialist systems (file: AKTENFLUSS_CONNECTORS_FILE)."""


@connectors.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def connectors_check(path: str | None) -> None:
    """Validate a connector file (default: AKTENFLUSS_CONNECTORS_FILE) and list its operations."""
    from engine.connectors.config import ConnectorConfig, ConnectorConfigError

    try:
        config = ConnectorConfig.from_file(path) if path else ConnectorConfig.from_env()
        for name in sorted(config.operations()):
            for slug in ["*", *sorted(config.authorities)]:
                try:
                    endpoint = config.endpoint(None if slug == "*" else slug, name)
                except ConnectorConfigError:
                    continue
                endpoint.resolved_headers()
                click.echo(f"{name:40} {slug:24} {endpoint.method:6} {endpoint.url}{endpoint.path}")
    except ConnectorConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@bench.command("worker")
@click.option("--jobs", "job_count", default=500, show_default=True, help="service jobs per measurement")
def bench_worker(job_count: int) -> None:
    """Job throughput with 1 and with 2 worker processes (writes into the configured database)."""
    from web.bench.worker import run

    url = _settings()["DATABASE_URL"]
    result = run(url, job_count)
    click.echo(f"database: {url.split('@')[-1]}")
    click.echo(f"1 worker process:   {result.one:8.1f} jobs/s")
    click.echo(f"2 worker processes: {result.two:8.1f} jobs/s")
    click.echo(f"ratio 2/1:          {result.two / result.one:8.2f}")


@bench.command("timers")
@click.option("--pending", default=10_000, show_default=True, help="timers waiting in the database")
@click.option("--firing", default=200, show_default=True, help="timers that come due during the measurement")
def bench_timers(pending: int, firing: int) -> None:
    """Lateness of timers with many pending ones (target: p99 <= 1 s; writes into the configured database)."""
    from web.bench.timers import run

    url = _settings()["DATABASE_URL"]
    result = run(url, pending=pending, firing=firing)
    click.echo(f"database: {url.split('@')[-1]}")
    click.echo(f"pending timers: {pending}, fired: {result.fired}")
    click.echo(f"lateness p50: {result.p50:6.3f} s   p99: {result.p99:6.3f} s   max: {result.max:6.3f} s   (target p99 <= 1 s)")


@eakte.command("make-seal-certificate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="directory for seal-key.pem, seal-cert.pem and ca-cert.pem")
@click.option("--authority-name", required=True, help="organisation named in the certificate")
@click.option("--passphrase", help="encrypt the key with this passphrase")
def eakte_make_seal_certificate(out_dir: Path, authority_name: str, passphrase: str | None) -> None:
    """Create a TEST seal certificate with its own test CA (for tests and the demo, never for production)."""
    from eakte.siegel import make_test_seal_certificate

    key, cert, ca = make_test_seal_certificate(out_dir, authority_name, passphrase=passphrase)
    click.echo(f"AKTENFLUSS_SEAL_KEY_FILE={key}")
    click.echo(f"AKTENFLUSS_SEAL_CERT_FILE={cert}")
    click.echo(f"AKTENFLUSS_SEAL_CHAIN_FILES={ca}")
    click.echo("test certificate: seals made with it verify only against the CA above", err=True)


@main.command("simulators")
@click.option("--host", default="127.0.0.1", show_default=True, help="loopback address to bind")
@click.option("--port", "ports", multiple=True, metavar="NAME=PORT",
              help="fixed port of one simulator, e.g. alkis=8101 (repeatable); default: free ports")
@click.option("--api-key", envvar="AKTENFLUSS_SIMULATOR_API_KEY", help="key the simulators require; default: random")
@click.option("--connectors-file", type=click.Path(dir_okay=False, path_type=Path),
              help="write a connectors file (AKTENFLUSS_CONNECTORS_FILE) that points at the simulators")
def simulators(host: str, ports: tuple[str, ...], api_key: str | None, connectors_file: Path | None) -> None:
    """Run the specialist-system simulators (land register, zoning, residents, statistics) until Ctrl-C."""
    import threading

    import yaml

    from processes.simulators import start_simulators
    from processes.simulators.runner import API_KEY_ENV

    fixed = {}
    for item in ports:
        name, _, port = item.partition("=")
        if not port.isdigit():
            raise click.BadParameter(f"'{item}' is not NAME=PORT", param_hint="--port")
        fixed[name] = int(port)
    try:
        running = start_simulators(host, fixed, api_key)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    with running:
        for name, url in running.urls().items():
            click.echo(f"{name:15} {url}")
        click.echo(f"{API_KEY_ENV}={running.api_key}")
        if connectors_file is not None:
            connectors_file.write_text(yaml.safe_dump(running.connector_config(), allow_unicode=True), "utf-8")
            click.echo(f"AKTENFLUSS_CONNECTORS_FILE={connectors_file.resolve()}")
        click.echo("failure modes: POST <url>/_control {\"mode\": \"error\"|\"down\"|\"slow\"|\"ok\", \"count\": N}",
                   err=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
