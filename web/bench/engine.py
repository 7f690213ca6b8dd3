"""`aktenfluss bench engine`: the engine's overhead over bare SpiffWorkflow.

Measures, in one run:
1. full lifecycles per second (start -> script -> human task -> complete ->
   gateway -> end) on bare SpiffWorkflow in memory (serialize/restore between
   the two steps, as a persistent engine must);
2. the same through Aktenfluss on the configured database, one transaction
   per start and per completion, audit log and task rows included;
3. the cost of completing the 10th and the 1000th step of one long case.

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


@dataclass(frozen=True)
class EngineBenchResult:
    """Figures of one benchmark run."""

    bare_per_second: float
    engine_per_second: float
    step_ms_early: float
    step_ms_late: float

    @property
    def ratio(self) -> float:
        return self.engine_per_second / self.bare_per_second

    @property
    def late_vs_early(self) -> float:
        return self.step_ms_late / self.step_ms_early


def bare_spiff_lifecycles(count: int) -> float:
    """Run ``count`` lifecycles on bare SpiffWorkflow in memory; return lifecycles per second."""
    model = load_model({"bench_lifecycle.bpmn": (MODELS / "bench_lifecycle.bpmn").read_bytes()})
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


def run(database_url: str, lifecycles: int = 300, long_steps: int = 1000) -> EngineBenchResult:
    """Run all three measurements against ``database_url``."""
    bare = bare_spiff_lifecycles(lifecycles)
    sessions = make_session_factory(make_engine(database_url))
    ctx = build_context()
    with transaction(sessions) as session:
        authority = create_authority(session, f"bench-{uuid.uuid4().hex[:10]}", "Benchmark")
        user = create_user(session, authority, "bench", roles=["clerk"], groups=["Sachbearbeitung"])
        lifecycle_def = _deploy(session, "bench_lifecycle.bpmn", authority.id)
        loop_def = _deploy(session, "bench_loop.bpmn", authority.id)

    started = time.perf_counter()
    for _ in range(lifecycles):
        with transaction(sessions) as session:
            case = runner.start_case(session, ctx, session.get(ProcessDefinition, lifecycle_def.id), authority_id=authority.id,
                                     actor="bench", data={"applicant": "Erika Mustermann"})
            case_id = case.id
        with transaction(sessions) as session:
            runner.complete_task(session, ctx, _open_task(session, case_id), session.get(User, user.id), {"approved": True})
    engine_rate = lifecycles / (time.perf_counter() - started)

    with transaction(sessions) as session:
        case_id = runner.start_case(session, ctx, session.get(ProcessDefinition, loop_def.id), authority_id=authority.id, actor="bench",
                                    data={"done": 0, "limit": long_steps + 10}).id
    step_ms: list[float] = []
    for _ in range(long_steps + 5):
        t0 = time.perf_counter()
        with transaction(sessions) as session:
            runner.complete_task(session, ctx, _open_task(session, case_id), session.get(User, user.id), {})
        step_ms.append((time.perf_counter() - t0) * 1000)
    early = statistics.median(step_ms[5:15])
    late = statistics.median(step_ms[long_steps - 5:long_steps + 5])
    return EngineBenchResult(bare, engine_rate, early, late)


def _deploy(session, filename: str, authority_id: str):
    files = {filename: (MODELS / filename).read_bytes()}
    return definitions.deploy(session, files, authority_id=authority_id, deployed_by="bench").definition


def _open_task(session, case_id: str) -> str:
    return session.scalar(select(UserTask.id).where(UserTask.case_id == case_id, UserTask.status == "open"))
