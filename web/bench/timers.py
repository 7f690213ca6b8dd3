"""`aktenfluss bench timers`: how late timers fire while many others are pending.

Set-up: ``pending`` timer jobs due in a year (bulk-inserted rows of one parked
case: they only have to be in the queue the claim searches), then ``firing``
cases whose intermediate timers come due spread over the next seconds. One
worker runs with its default poll interval (it wakes when the next timer is
due); lateness = completion of the timer job (job event ``done``) minus its due
time, so it includes the advance of the case.
"""

from __future__ import annotations

import statistics
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from engine.db import make_engine, make_session_factory, transaction, utcnow
from engine.models_jobs import Job, JobEvent
from engine.worker import Worker
from web.bench.background import bench_context, setup, start_cases


@dataclass(frozen=True)
class TimerBenchResult:
    """Lateness figures in seconds."""

    fired: int
    p50: float
    p99: float
    max: float


def run(url: str, pending: int, firing: int) -> TimerBenchResult:
    """Run the measurement against the database at ``url``."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ctx = bench_context()
    authority_id, key = setup(factory, ctx, "bench_timer.bpmn")
    far = utcnow() + timedelta(days=365)
    [parked] = start_cases(factory, ctx, authority_id, key, [{"due_date": far.isoformat()}])
    with transaction(factory) as session:
        session.execute(insert(Job), [
            {"id": str(uuid.uuid4()), "kind": "timer", "authority_id": authority_id, "case_id": parked,
             "lock_key": parked, "dedupe_key": f"bench:{uuid.uuid4()}", "payload": {}, "status": "todo",
             "run_at": far + timedelta(seconds=i), "attempts": 0, "max_attempts": 5, "created_at": utcnow()}
            for i in range(pending)
        ])
    lead = timedelta(seconds=5 + firing * 0.02)  # starting the cases must finish before the first is due
    base = utcnow() + lead
    dues = [base + timedelta(seconds=5 * i / firing) for i in range(firing)]
    case_ids = start_cases(factory, ctx, authority_id, key, [{"due_date": d.isoformat()} for d in dues])
    stop = threading.Event()
    worker = Worker(factory, ctx)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    stop.wait((base - utcnow()).total_seconds() + 5 + 10)
    stop.set()
    thread.join()
    with transaction(factory) as session:
        rows = session.execute(
            select(Job.run_at, JobEvent.at).join(JobEvent, JobEvent.job_id == Job.id)
            .where(Job.case_id.in_(case_ids), Job.kind == "timer", JobEvent.kind == "done")
        ).all()
    engine.dispose()
    lateness = sorted(max(0.0, (done - due).total_seconds()) for due, done in rows)
    if len(lateness) < firing:
        raise RuntimeError(f"only {len(lateness)} of {firing} timers fired")
    return TimerBenchResult(len(lateness), statistics.median(lateness),
                            lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))], lateness[-1])
