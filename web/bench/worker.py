"""`aktenfluss bench worker`: service-job throughput with 1 and with 2 worker processes.

Each measurement queues ``jobs`` service jobs (one case each, a Python handler,
so the figure is the queue and engine overhead, not a remote system), starts
the worker processes, lets them begin together once all have imported and
connected, and takes the time from the first claim to the last completion from
the job events.

What it measures: the worker processes, PostgreSQL and this benchmark share
one machine. A job costs CPU in the worker (Spiff, SQLAlchemy) and in the
database, so with two cores two workers cannot be twice as fast as one; the
ratio shows whether the queue lets them work in parallel (jobs of different
cases) instead of waiting for each other.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass

from sqlalchemy import func, select

from engine.db import make_engine, make_session_factory, transaction
from engine.models_jobs import Job, JobEvent
from engine.worker import Worker
from web.bench.background import bench_context, setup, start_cases


@dataclass(frozen=True)
class WorkerBenchResult:
    """Jobs per second with one and with two worker processes."""

    one: float
    two: float


def run(url: str, job_count: int) -> WorkerBenchResult:
    """Run both measurements against the database at ``url``."""
    return WorkerBenchResult(_measure(url, job_count, 1), _measure(url, job_count, 2))


def _measure(url: str, job_count: int, processes: int) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ctx = bench_context()
    authority_id, key = setup(factory, ctx, "bench_service.bpmn")
    case_ids = start_cases(factory, ctx, authority_id, key, [{"person_id": str(i), "times": i} for i in range(job_count)])
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(processes + 1)
    workers = [spawn.Process(target=_work, args=(url, authority_id, start)) for _ in range(processes)]
    for process in workers:
        process.start()
    start.wait(timeout=120)
    for process in workers:
        process.join()
    with transaction(factory) as session:
        jobs = select(Job.id).where(Job.authority_id == authority_id)
        done = session.scalar(select(func.count()).select_from(Job).where(Job.authority_id == authority_id, Job.status == "done"))
        first, last = session.execute(
            select(func.min(JobEvent.at), func.max(JobEvent.at)).where(JobEvent.job_id.in_(jobs), JobEvent.kind.in_(("claimed", "done")))
        ).one()
    engine.dispose()
    if done != len(case_ids):
        raise RuntimeError(f"only {done} of {len(case_ids)} jobs were done")
    return done / (last - first).total_seconds()


def _work(url: str, authority_id: str, start) -> None:
    """Worker process: run jobs until none of the benchmark's authority is left.

    Args:
        start: Barrier passed once every worker process is ready, so they begin together.
    """
    engine = make_engine(url)
    factory = make_session_factory(engine)
    worker = Worker(factory, bench_context(), poll_interval=0.01)
    with transaction(factory) as session:  # connect before the start
        session.scalar(select(func.count()).select_from(Job).where(Job.authority_id == authority_id))
    start.wait(timeout=120)
    idle = 0
    while idle < 20:
        if worker.run_once():
            idle = 0
            continue
        idle += 1
        with transaction(factory) as session:
            left = session.scalar(select(func.count()).select_from(Job).where(
                Job.authority_id == authority_id, Job.status.in_(("todo", "doing"))))
        if left == 0:
            break
        threading.Event().wait(0.01)
    engine.dispose()
