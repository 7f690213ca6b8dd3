"""Benchmarks: each prints measured figures next to its target."""

from __future__ import annotations

import click

from web.cli.common import _fail, _or_exit, _settings, main



@main.group()
def bench() -> None:
    """Benchmarks (they print measured figures and the targets)."""


@bench.command("engine")
@click.option("--lifecycles", default=300, show_default=True, type=click.IntRange(min=1),
              help="lifecycles per side, run in 10 alternating rounds (bare, engine, bare, ...)")
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(min=11),
              help="steps of the long-running case (more than the 10th, which is measured)")
def bench_engine(lifecycles: int, steps: int) -> None:
    """Engine vs bare SpiffWorkflow, and step cost of a long case (writes into the configured database)."""
    from web.bench.engine import run

    url = _settings()["DATABASE_URL"]
    result = run(url, lifecycles=lifecycles, long_steps=steps)
    click.echo(f"database: {url.split('@')[-1]}")
    click.echo(f"bare SpiffWorkflow (memory): {result.bare_per_second:8.1f} lifecycles/s (median of the rounds)")
    click.echo(f"Aktenfluss (database):       {result.engine_per_second:8.1f} lifecycles/s (median of the rounds)")
    click.echo(f"ratio engine/bare:           {result.ratio:8.3f}   (target >= 0.4 on PostgreSQL; median of "
               f"{len(result.round_ratios)} alternating rounds, spread {min(result.round_ratios):.3f}-"
               f"{max(result.round_ratios):.3f})")
    click.echo(f"step 10 of a young case:     {result.step_ms_early:8.2f} ms")
    click.echo(f"step {steps} of an old case:  {result.step_ms_late:8.2f} ms")
    click.echo(f"late/early:                  {result.late_vs_early:8.2f}   (target <= 1.5)")


@bench.command("http")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="address of the running server")
@click.option("--token", envvar="AKTENFLUSS_BENCH_TOKEN", required=True,
              help="API token of a user with the roles clerk and modeller and the group Sachbearbeitung "
                   "(or AKTENFLUSS_BENCH_TOKEN)")
@click.option("--clients", default=4, show_default=True, type=click.IntRange(1, 256), help="concurrent clients")
@click.option("--seconds", default=30.0, show_default=True, type=click.FloatRange(min=1), help="measured time")
@click.option("--rendition-wait", default=120.0, show_default=True, type=click.FloatRange(min=0),
              help="seconds to wait afterwards for the last lifecycle's PDF/A rendition (0: do not wait)")
def bench_http(url: str, token: str, clients: int, seconds: float, rendition_wait: float) -> None:
    """Full lifecycles over the REST API of a running server (start, inbox, claim, complete); starts nothing."""
    from web.bench.http import BenchError, run

    try:
        result = run(url, token, clients=clients, seconds=seconds, rendition_wait=rendition_wait)
    except BenchError as exc:
        _fail(str(exc))
    click.echo(f"server: {url}, {clients} client(s), {result.seconds:.1f} s")
    click.echo(f"{result.per_second:8.1f} lifecycles/s   ({result.lifecycles} lifecycles; "
               "target >= 60 with 4 clients on PostgreSQL)")
    for kind, figures in result.latencies.items():
        click.echo(f"{kind:10s} p50 {figures.p50:7.1f} ms  p95 {figures.p95:7.1f} ms  p99 {figures.p99:7.1f} ms"
                   f"  ({figures.count})")
    if result.rendition_backlog_seconds is not None:
        click.echo(f"renditions: the last lifecycle's PDF/A existed {result.rendition_backlog_seconds:.1f} s "
                   "after the run (the worker's backlog)")


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
@click.option("--tasks", "open_tasks", default=1_000_000, show_default=True, type=click.IntRange(min=1),
              help="open tasks to generate")
@click.option("--repeats", default=100, show_default=True, type=click.IntRange(min=1), help="measurements per query variant")
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


@bench.command("worker")
@click.option("--jobs", "job_count", default=500, show_default=True, type=click.IntRange(min=1),
              help="service jobs per measurement")
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
@click.option("--pending", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="timers waiting in the database")
@click.option("--firing", default=200, show_default=True, type=click.IntRange(min=1),
              help="timers that come due during the measurement")
def bench_timers(pending: int, firing: int) -> None:
    """Lateness of timers with many pending ones (target: p99 <= 1 s; writes into the configured database)."""
    from web.bench.timers import run

    url = _settings()["DATABASE_URL"]
    result = run(url, pending=pending, firing=firing)
    click.echo(f"database: {url.split('@')[-1]}")
    click.echo(f"pending timers: {pending}, fired: {result.fired}")
    click.echo(f"lateness p50: {result.p50:6.3f} s   p99: {result.p99:6.3f} s   max: {result.max:6.3f} s   (target p99 <= 1 s)")
