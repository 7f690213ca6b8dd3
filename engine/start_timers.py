"""Starting cases on the schedule of a timer start event (``start_timer`` jobs).

Deploying a definition queues the job of its first occurrence
(engine/definitions.py). When the job comes due, a worker calls :func:`fire`
in the transaction that also finishes the job: it starts one case past the
timer start event and queues the job of the next occurrence (for a cycle). The
case start, the next occurrence and the end of this job commit together or not
at all, so a crash in between can neither lose an occurrence (the job was not
finished: its lease expires and it runs again) nor double one (nothing of the
first attempt was committed). Two workers cannot run one occurrence at once
either: a job is claimed by one worker only, and a worker whose lease expired
meanwhile cannot finish it (``jobs.LeaseLost`` rolls its case start back).

An occurrence that came due while no worker ran still starts its case when a
worker is back; the following ones then come due one after another until the
schedule has caught up. A job of a version that a newer one has replaced
meanwhile does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine import definitions, runner
from engine.errors import NotFound
from engine.models import Case, ProcessDefinition
from engine.runner import EngineContext


def fire(session: Session, ctx: EngineContext, payload: dict) -> Case | None:
    """Start the case of one occurrence and queue the next occurrence, in the caller's transaction.

    Args:
        payload: The ``start_timer`` job's payload (definition id, BPMN id of the event, occurrence, due time).

    Returns:
        The new case, or None if the definition was replaced by a newer version (the schedule ended).

    Raises:
        NotFound: the definition or its timer start event does not exist (the job fails and opens an incident).
    """
    definition = session.get(ProcessDefinition, payload["definition_id"])
    if definition is None:
        raise NotFound(f"no process definition with id '{payload['definition_id']}'")
    if not definitions.is_latest(session, definition):
        return None
    timer = next((t for t in definitions.model_of(definition).start_timers if t.bpmn_id == payload["bpmn_id"]), None)
    if timer is None:
        raise NotFound(f"process '{definition.key}' has no timer start event '{payload['bpmn_id']}'")
    occurrence = payload["occurrence"]
    case = runner.start_case_by_timer(session, ctx, definition, bpmn_id=timer.bpmn_id, occurrence=occurrence,
                                      due=datetime.fromisoformat(payload["due"]))
    definitions.queue_start_timer(session, definition, timer, occurrence + 1, now=ctx.clock())
    session.flush()
    return case
