"""`aktenfluss bench engine`: what it measures really ran, through the engine and into the database."""

from sqlalchemy import func, select

from eakte.models import AuditEvent
from engine.db import transaction
from engine.identity import Authority
from engine.models import Case, ProcessDefinition
from web.bench import engine as bench


def _newest_bench_authority(session) -> str:
    return session.scalar(select(Authority.id).where(Authority.slug.like("bench-%")).order_by(Authority.created_at.desc()))


def test_lifecycles_complete_through_the_engine_with_their_audit_trail(backend, session_factory):
    result = bench.run(backend.database_url, lifecycles=4, long_steps=12)

    assert result.bare_per_second > 0 and result.engine_per_second > 0
    with transaction(session_factory) as session:
        authority_id = _newest_bench_authority(session)
        lifecycles = session.scalars(
            select(Case).join(ProcessDefinition).where(Case.authority_id == authority_id,
                                                       ProcessDefinition.key == "bench_lifecycle")).all()
        completed = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.authority_id == authority_id, AuditEvent.kind == "case.completed"))
    assert len(lifecycles) == 4 and all(case.status == "completed" for case in lifecycles)
    assert completed == 4


def test_the_young_and_the_old_case_are_measured_around_step_10_and_the_given_step(backend, session_factory):
    result = bench.run(backend.database_url, lifecycles=1, long_steps=40)

    assert result.step_ms_early > 0 and result.step_ms_late > 0
    with transaction(session_factory) as session:
        authority_id = _newest_bench_authority(session)
        loops = list(session.scalars(
            select(Case).join(ProcessDefinition).where(Case.authority_id == authority_id,
                                                       ProcessDefinition.key == "bench_loop")))
        steps = sorted(case.data["done"] for case in loops)
    last = bench.STEP_WINDOW[1]
    assert steps == [last, 40 + (last - 10)]  # windows of equal width, centred on step 10 and step 40


def test_bare_and_engine_rounds_alternate_and_the_ratio_is_their_median(backend, session_factory, monkeypatch):
    calls = []
    bare = bench.bare_spiff_lifecycles
    monkeypatch.setattr(bench, "bare_spiff_lifecycles", lambda count, model=None: calls.append(("bare", count)) or
                        bare(count, model))
    original_transaction = bench.transaction

    def counting_transaction(sessions):
        if calls and calls[-1][0] != "engine":
            calls.append(("engine", 0))
        return original_transaction(sessions)

    monkeypatch.setattr(bench, "transaction", counting_transaction)
    result = bench.run(backend.database_url, lifecycles=6, long_steps=12, rounds=3)

    assert [kind for kind, _ in calls][:6] == ["bare", "engine"] * 3
    assert [count for kind, count in calls if kind == "bare"] == [2, 2, 2]
    assert len(result.round_ratios) == 3
    assert min(result.round_ratios) <= result.ratio <= max(result.round_ratios)
