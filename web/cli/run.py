"""Commands that run things: web server, demo, worker, simulators, connector checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from web import config
from web.cli.common import _context, _or_exit, _run, _sessions, _settings, main



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
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="web processes (about one per core; see the README on sizing)")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="request threads per web process (they overlap database and storage waits)")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web UI and the REST API with gunicorn (stateless processes; scale by adding more)."""
    import secrets

    from gunicorn.app.base import BaseApplication

    from web import create_app

    # All worker processes of this server must sign sessions with the same key. Without a configured
    # key, one is made here, before forking; several servers need AKTENFLUSS_SECRET_KEY.
    secret_key = _settings()["SECRET_KEY"] or secrets.token_hex(32)

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)  # gthread workers: keep-alive connections, one thread per request
            self.cfg.set("accesslog", "-")
            self.cfg.set("logger_class", "web.access_log.RedactingGunicornLogger")  # no tokens in the access log

        def load(self):
            return create_app({"SECRET_KEY": secret_key})  # in each worker: no connection pool crosses a fork

    click.echo(f"Aktenfluss läuft auf http://{host}:{port}/ (API: http://{host}:{port}/api/v1/openapi.json)")
    _Server().run()


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="worker threads in this process (SQLite: 1); start more processes to use more cores")
@click.option("--lease", default=30.0, show_default=True, help="seconds a claimed job stays ours without heartbeat")
@click.option("--poll", default=0.2, show_default=True, help="seconds to wait when no job is due")
@click.option("--retry-base", default=5.0, show_default=True, help="seconds before the first retry (doubles each time)")
@click.option("--authority", help="only this authority's jobs (slug): a dedicated worker; default all")
def worker(concurrency: int, lease: float, poll: float, retry_base: float, authority: str | None) -> None:
    """Run background jobs (service tasks, timers, FIT-Connect polling) until SIGTERM or Ctrl-C; the current job is finished first."""
    import logging
    import signal
    import threading
    from datetime import timedelta

    from engine.db import utcnow
    from engine.jobs import Backoff
    from engine.worker import run_workers
    from processes.config_files import ConfigError
    from processes.fitconnect.config import FitConnectConfig
    from processes.fitconnect.polling import schedule_polling

    url = _settings()["DATABASE_URL"]
    if url.startswith("sqlite") and concurrency > 1:
        click.echo("SQLite supports one worker; using --concurrency 1", err=True)
        concurrency = 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # not seven lines per rendered document
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    authority_id = None
    if authority:
        from engine.identity import get_authority

        found: list[str] = []
        _run(lambda session: found.append(get_authority(session, authority).id))
        authority_id = found[0]
    try:
        polled = schedule_polling(_sessions(), FitConnectConfig.from_env(), utcnow())
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if polled:
        click.echo(f"FIT-Connect polling queued for: {', '.join(polled)}")
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


@main.command("simulators")
@click.option("--host", default="127.0.0.1", show_default=True, help="loopback address to bind")
@click.option("--port", "ports", multiple=True, metavar="NAME=PORT",
              help="fixed port of one simulator, e.g. alkis=8101 or fitconnect=5012 (repeatable); default: free ports")
@click.option("--api-key", envvar="AKTENFLUSS_SIMULATOR_API_KEY", help="key the simulators require; default: random")
@click.option("--connectors-file", type=click.Path(dir_okay=False, path_type=Path),
              help="write a connectors file (AKTENFLUSS_CONNECTORS_FILE) that points at the simulators")
@click.option("--online-dir", type=click.Path(file_okay=False, path_type=Path),
              help="set up the applicant side for the --authority authorities and write its keys, configuration "
                   "files and online.env (the environment Aktenfluss needs) here")
@click.option("--authority", "authorities", multiple=True, metavar="SLUG[=PREFIX]",
              help="authority to set up with --online-dir: FIT-Connect destination, merchant account with this "
                   "Kassenzeichen prefix (default 9900) (repeatable)")
@click.option("--aktenfluss-url", default="http://127.0.0.1:5000", show_default=True,
              help="where Aktenfluss runs (FIT-Connect callbacks, the portal's return address)")
def simulators(host: str, ports: tuple[str, ...], api_key: str | None, connectors_file: Path | None,
               online_dir: Path | None, authorities: tuple[str, ...], aktenfluss_url: str) -> None:
    """Run the simulators until Ctrl-C: the specialist systems and the applicant side.

    Specialist systems: land register, zoning, residents, statistics, citizen
    mailbox. Applicant side: a FIT-Connect Zustelldienst (Submission API and
    OAuth token endpoint), an eID broker (OpenID provider like BundID) and a
    payment platform. With ``--online-dir`` and ``--authority`` they are set up
    for those authorities; otherwise through each one's ``/_control``
    endpoints with the printed admin key.
    """
    import threading

    import yaml

    from processes.simulators import start_simulators
    from processes.simulators.online import ONLINE_SIMULATORS, start_online_simulators
    from processes.simulators.runner import API_KEY_ENV, FACTORIES

    fixed = _simulator_ports(ports, FACTORIES, ONLINE_SIMULATORS)
    prefixes = _authority_prefixes(authorities, online_dir)
    try:
        running = start_simulators(host, fixed["specialist"], api_key)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        online = start_online_simulators(host, fixed["online"], api_key)
    except (ValueError, OSError) as exc:
        running.stop()
        raise click.ClickException(str(exc)) from exc
    with running, online:
        for name, url in running.urls().items():
            click.echo(f"{name:15} {url}")
        for name in ONLINE_SIMULATORS:
            click.echo(f"{name:15} {online.url(name)}")
        click.echo(f"{API_KEY_ENV}={running.api_key}")
        click.echo(f"X-API-Key of the applicant side's /_control set-up endpoints: {online.admin_key}")
        if connectors_file is not None:
            connectors_file.write_text(yaml.safe_dump(running.connector_config(), allow_unicode=True), "utf-8")
            click.echo(f"AKTENFLUSS_CONNECTORS_FILE={connectors_file.resolve()}")
        if online_dir is not None:
            _set_up_online(online, prefixes, online_dir.resolve(), aktenfluss_url)
        click.echo("failure modes: POST <url>/_control {\"mode\": \"error\"|\"down\"|\"slow\"|\"ok\", \"count\": N}",
                   err=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def _simulator_ports(ports: tuple[str, ...], specialist, online) -> dict[str, dict[str, int]]:
    """The ``--port NAME=PORT`` options, split into the specialist systems' and the applicant side's."""
    fixed: dict[str, dict[str, int]] = {"specialist": {}, "online": {}}
    for item in ports:
        name, _, port = item.partition("=")
        if not port.isdigit():
            raise click.BadParameter(f"'{item}' is not NAME=PORT", param_hint="--port")
        if name not in specialist and name not in online:
            raise click.BadParameter(f"unknown simulator '{name}' (known: {', '.join([*specialist, *online])})",
                                     param_hint="--port")
        fixed["online" if name in online else "specialist"][name] = int(port)
    return fixed


def _authority_prefixes(authorities: tuple[str, ...], online_dir: Path | None) -> dict[str, str]:
    """The ``--authority SLUG[=PREFIX]`` options as slug -> Kassenzeichen prefix (checked like the payment file)."""
    import re

    from processes.payment.config import DEFAULT_PREFIX

    if bool(authorities) != (online_dir is not None):
        raise click.UsageError("--online-dir and --authority go together")
    prefixes = {}
    for item in authorities:
        slug, _, prefix = item.partition("=")
        prefix = prefix or DEFAULT_PREFIX
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
            raise click.BadParameter(f"'{slug}' is not an authority slug (lower-case letters, digits, '-')",
                                     param_hint="--authority")
        if not prefix.isdigit() or not 2 <= len(prefix) <= 8:
            raise click.BadParameter(f"Kassenzeichen prefix '{prefix}' of {slug} must be 2 to 8 digits",
                                     param_hint="--authority")
        prefixes[slug] = prefix
    return prefixes


def _set_up_online(online, prefixes: dict[str, str], directory: Path, aktenfluss_url: str) -> None:
    """Set up the applicant side for the authorities, write ``online.env`` and say how to use it."""
    import shlex

    setup = online.set_up(prefixes, directory, aktenfluss_url)
    sender = online.add_sender()
    env_file = directory / "online.env"
    env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in setup.settings_env().items()), "utf-8")
    env_file.chmod(0o600)  # it holds the authorities' client secrets
    for slug, destination in setup.destinations.items():
        click.echo(f"FIT-Connect destination of {slug}: {destination.destination_id}")
    click.echo(f"online service (sender) client: {sender.client_id} / {sender.client_secret}")
    click.echo(f"environment for 'aktenfluss serve' and 'aktenfluss worker': source {env_file}")
