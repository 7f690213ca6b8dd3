"""Shared set-up of the background benchmarks: a throw-away authority, a model, cases."""

from __future__ import annotations

import uuid
from pathlib import Path

from engine import definitions, runner
from engine.db import transaction
from engine.identity import create_authority
from engine.registry import ServiceRegistry
from engine.runner import EngineContext
from processes.casework import record_case_event

MODELS = Path(__file__).parent / "models"


def bench_context() -> EngineContext:
    """An engine context with the benchmark's service operation ``bench.echo``."""
    registry = ServiceRegistry()
    registry.register("bench.echo", lambda **params: params)
    return EngineContext(events=record_case_event, registry=registry)


def setup(factory, ctx: EngineContext, model: str) -> tuple[str, str]:
    """Create an authority and deploy ``models/<model>`` for it; return (authority id, process key)."""
    stem = Path(model).stem
    key = f"{stem}_{uuid.uuid4().hex[:8]}"
    content = (MODELS / model).read_bytes().replace(f'id="{stem}"'.encode(), f'id="{key}"'.encode())
    with transaction(factory) as session:
        authority = create_authority(session, f"bench-{uuid.uuid4().hex[:8]}", "Benchmark")
        definitions.deploy(session, {model: content}, authority_id=authority.id, deployed_by="bench",
                           known_operations=ctx.registry.names())
        return authority.id, key


def start_cases(factory, ctx: EngineContext, authority_id: str, key: str, datas: list[dict]) -> list[str]:
    """Start one case per data dict, 100 per transaction; return their ids."""
    ids = []
    for offset in range(0, len(datas), 100):
        with transaction(factory) as session:
            definition = definitions.latest_definition(session, key, authority_id)
            for data in datas[offset:offset + 100]:
                ids.append(runner.start_case(session, ctx, definition, authority_id=authority_id, actor="bench",
                                             data=data).id)
    return ids
