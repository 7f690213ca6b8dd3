"""`aktenfluss bench engine`: the engine's overhead over bare SpiffWorkflow.

Measures, in one run:
1. full lifecycles per second (start -> script -> human task -> complete ->
   gateway -> end) on bare SpiffWorkflow in memory (serialize/restore between
   the two steps, as a persistent engine must);
2. the same through Aktenfluss on the configured database, one transaction
   per start and per completion, audit log and task rows included;
3. the cost of completing the 10th step of a young case and the 1000th of an old one
   (the two take turns, see ``_step_costs``).

1 and 2 run in alternating rounds (bare, engine, bare, engine, ...), so a
change of the machine's load between them weighs on both alike; the ratio is
the median of the rounds' ratios, and its spread is reported.

It writes into the configured database under a throw-away authority.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import definitions, runner, serializer
from engine.db import make_engine, make_session_factory, transaction
from engine.identity import create_authority, create_user
from engine.loader import load_model
from engine.models import ProcessDefinition, User, UserTask
from processes.casework import build_context

MODELS = Path(__file__).parent / "models"
STEP_WINDOW = (5, 15)
"""Steps of the young case that are measured (the 10th in the middle); the old case's window is as wide."""


ROUNDS = 10
"""Rounds of each side; each round runs lifecycles / ROUNDS lifecycles (at least one)."""


@dataclass(frozen=True)
class EngineBenchResult:
    """Figures of one benchmark run (rates are medians over the rounds)."""

    bare_per_second: float
    engine_per_second: float
    step_ms_early: float
    step_ms_late: float
    round_ratios: tuple[float, ...] = ()

    @property
    def ratio(self) -> float:
        """Median of the rounds' engine/bare ratios."""
        return statistics.median(self.round_ratios) if self.round_ratios else self.engine_per_second / self.bare_per_second

    @property
    def late_vs_early(self) -> float:
        return self.step_ms_late / self.step_ms_early


def bare_spiff_lifecycles(count: int, model=None) -> float:
    """Run ``count`` lifecycles on bare SpiffWorkflow in memory; return lifecycles per second."""
    model = model or load_model({"bench_lifecycle.bpmn": (MODELS / "bench_lifecycle.bpmn").read_bytes()})
    started = time.perf_counter()
    for _ in range(count):
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs)
        workflow.get_tasks(state=TaskState.READY)[0].data.update({"applicant": "Erika Mustermann"})
        workflow.do_engine_steps()
        state = json.dumps(serializer.serialize(workflow))
        workflow = serializer.deserialize(json.loads(state), model.spec, model.subprocess_specs)
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"approved": True})
        task.run()
        workflow.do_engine_steps()
        json.dumps(serializer.serialize(workflow))
        assert workflow.is_completed()
    return count / (time.perf_counter() - started)


def run(database_url: str, lifecycles: int = 300, long_steps: int = 1000, rounds: int = ROUNDS) -> EngineBenchResult:
    """Run all three measurements against ``database_url``."""
    engine = make_engine(database_url)
    try:
        return _measure(make_session_factory(engine), lifecycles, long_steps, rounds)
    finally:
        engine.dispose()


def _measure(sessions, lifecycles: int, long_steps: int, rounds: int) -> EngineBenchResult:
    ctx = build_context()
    with transaction(sessions) as session:
        authority = create_authority(session, f"bench-{uuid.uuid4().hex[:10]}", "Benchmark")
        user = create_user(session, authority, "bench", roles=["clerk"], groups=["Sachbearbeitung"])
        lifecycle_def = _deploy(session, "bench_lifecycle.bpmn", authority.id)
        loop_def = _deploy(session, "bench_loop.bpmn", authority.id)
    model = load_model({"bench_lifecycle.bpmn": (MODELS / "bench_lifecycle.bpmn").read_bytes()})

    def engine_lifecycles(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            with transaction(sessions) as session:
                case = runner.start_case(session, ctx, session.get(ProcessDefinition, lifecycle_def.id),
                                         authority_id=authority.id, actor="bench", data={"applicant": "Erika Mustermann"})
                case_id = case.id
            with transaction(sessions) as session:
                runner.complete_task(session, ctx, _open_task(session, case_id), session.get(User, user.id),
                                     {"approved": True})
        return count / (time.perf_counter() - started)

    rounds = max(1, min(rounds, lifecycles))
    per_round = [lifecycles // rounds + (1 if number < lifecycles % rounds else 0) for number in range(rounds)]
    bare_rates, engine_rates = [], []
    for count in per_round:  # alternating: bare, engine, bare, engine, ...
        bare_rates.append(bare_spiff_lifecycles(count, model))
        engine_rates.append(engine_lifecycles(count))
    ratios = tuple(engine / bare for engine, bare in zip(engine_rates, bare_rates))

    early, late = _step_costs(sessions, ctx, loop_def.id, authority.id, user.id, long_steps)
    return EngineBenchResult(statistics.median(bare_rates), statistics.median(engine_rates), early, late, ratios)


def _step_costs(sessions, ctx, definition_id: str, authority_id: str, user_id: str, long_steps: int) -> tuple[float, float]:
    """Median ms of steps 5-15 of a young case and of steps around ``long_steps`` of an old one.

    Both cases run to just before their measured window; then the window's
    steps of the two cases take turns, so both medians see the same machine
    load (a background job or another benchmark skews both alike).
    """
    def start() -> str:
        with transaction(sessions) as session:
            return runner.start_case(session, ctx, session.get(ProcessDefinition, definition_id), authority_id=authority_id,
                                     actor="bench", data={"done": 0, "limit": long_steps + 100}).id

    def step(case_id: str) -> float:
        started = time.perf_counter()
        with transaction(sessions) as session:
            runner.complete_task(session, ctx, _open_task(session, case_id), session.get(User, user_id), {})
        return (time.perf_counter() - started) * 1000

    young, old = start(), start()
    for _ in range(STEP_WINDOW[0] - 1):
        step(young)
    for _ in range(STEP_WINDOW[0] - 1 + long_steps - 10):  # the old case's window is centred on long_steps
        step(old)
    early, late = [], []
    for _ in range(STEP_WINDOW[1] - STEP_WINDOW[0] + 1):
        early.append(step(young))
        late.append(step(old))
    return statistics.median(early), statistics.median(late)


def _deploy(session, filename: str, authority_id: str):
    files = {filename: (MODELS / filename).read_bytes()}
    return definitions.deploy(session, files, authority_id=authority_id, deployed_by="bench").definition


def _open_task(session, case_id: str) -> str:
    return session.scalar(select(UserTask.id).where(UserTask.case_id == case_id, UserTask.status == "open"))
