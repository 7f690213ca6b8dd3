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
