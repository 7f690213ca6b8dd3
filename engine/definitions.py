"""Deploying BPMN/DMN models as versioned process definitions, and their start schedules.

A timer start event belongs to the definition, not to a case (as in Camunda
and Flowable): deploying a definition with one queues a ``start_timer`` job
for its first occurrence at or after the deployment (earlier occurrences of a
cycle are not made up); each fired occurrence starts one case and queues the
next (engine/start_timers.py). A new version of the process replaces the
schedule of the version it supersedes, also when it has no timer start event
any more; re-deploying identical content changes nothing.

Only a definition owned by an authority is scheduled. A scheduled case gets an
Aktenzeichen in the authority's file plan, and Aktenzeichen are never reused,
so an authority has to decide itself that it wants these cases: a model shared
by all authorities with a timer start event is refused at deployment (each
authority that wants the schedule deploys the model for itself).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import jobs
from engine.db import utcnow
from engine.errors import NotFound
from engine.loader import ModelProblem, ModelValidationError, ParsedModel, load_model, parse_model
from engine.models import DefinitionFile, ProcessDefinition
from engine.models_jobs import Job
from engine.timers import StartTimer


@dataclass(frozen=True)
class Deployment:
    """Result of a deployment: the definition of the main process and whether it is new.

    ``definitions`` holds the definitions of every executable process of the
    files (a collaboration's pools, called processes), the main one first.
    """

    definition: ProcessDefinition
    created: bool
    model: ParsedModel
    definitions: tuple[ProcessDefinition, ...] = ()


def deploy(
    session: Session,
    files: dict[str, bytes],
    *,
    authority_id: str | None,
    deployed_by: str | None,
    known_operations: Collection[str] | None = None,
    now: datetime | None = None,
    model: ParsedModel | None = None,
) -> Deployment:
    """Validate ``files`` and store them as a new version, or return the identical one.

    A new version replaces the start schedule of the version it supersedes (see the module docstring).

    Args:
        now: The deployment time (the engine's clock); relative timer start events count from it.
        model: ``files`` already parsed by the caller (the package layer parses them to check the package).

    Raises:
        engine.loader.ModelValidationError: the model is invalid; it lists every problem found.
    """
    now = now or utcnow()
    main = model or parse_model(files, known_operations=known_operations)
    _check_called_keys(session, main, authority_id)
    deployed = [_deploy_process(session, process, files, authority_id, deployed_by, now)
                for process in main.processes.values()]
    return Deployment(deployed[0][0], deployed[0][1], main, tuple(definition for definition, _ in deployed))


def _deploy_process(session: Session, model: ParsedModel, files: dict[str, bytes], authority_id: str | None,
                    deployed_by: str | None, now: datetime) -> tuple[ProcessDefinition, bool]:
    """Store one process of the files as a new version, or return the identical one; tell whether it is new."""
    existing = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == model.process_id,
            ProcessDefinition.content_hash == model.content_hash,
            _same_owner(authority_id),
        )
    )
    if existing is not None:
        return existing, False
    first_occurrences = _first_occurrences(model, authority_id, now)
    latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == model.process_id))
    definition = ProcessDefinition(
        key=model.process_id,
        version=(latest or 0) + 1,
        name=model.name,
        content_hash=model.content_hash,
        authority_id=authority_id,
        deployed_at=now,
        deployed_by=deployed_by,
        user_tasks=[{"bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane} for t in model.user_tasks],
        files=[DefinitionFile(filename=name, content=content) for name, content in sorted(files.items())],
    )
    session.add(definition)
    session.flush()
    _cancel_replaced_schedules(session, definition, now)
    for timer, occurrence in first_occurrences:
        queue_start_timer(session, definition, timer, occurrence, now=now)
    return definition, True


def _check_called_keys(session: Session, main: ParsedModel, authority_id: str | None) -> None:
    """Refuse call activities that call a process neither the files nor the deployed definitions have."""
    problems = []
    for model in main.processes.values():
        for key in model.called_keys:
            query = select(ProcessDefinition.id).where(ProcessDefinition.key == key)
            query = query.where(visible_to(authority_id) if authority_id else ProcessDefinition.authority_id.is_(None))
            if session.scalar(query.limit(1)) is None:
                problems.append(ModelProblem(
                    f"process '{model.process_id}' calls process '{key}', which is neither part of the upload nor "
                    "deployed; deploy it first", key, None, None))
    if problems:
        raise ModelValidationError(problems)


def queue_start_timer(session: Session, definition: ProcessDefinition, timer: StartTimer, occurrence: int, *,
                      now: datetime) -> Job | None:
    """Queue the ``start_timer`` job of one occurrence of a timer start event; None if the schedule has ended.

    The dedupe key names the definition, the event and the occurrence, so an
    occurrence is never waiting twice.
    """
    due = timer.due(definition.deployed_at, occurrence)
    if due is None:
        return None
    payload = {"definition_id": definition.id, "process_key": definition.key, "bpmn_id": timer.bpmn_id,
               "occurrence": occurrence, "due": due.isoformat()}
    return jobs.enqueue(session, "start_timer", now=now, payload=payload, authority_id=definition.authority_id,
                        run_at=due, dedupe_key=f"start_timer:{definition.id}:{timer.bpmn_id}:{occurrence}")


def is_latest(session: Session, definition: ProcessDefinition) -> bool:
    """Tell whether ``definition`` is the newest version of its process that its authority uses."""
    return latest_definition(session, definition.key, definition.authority_id).id == definition.id


def _first_occurrences(model: ParsedModel, authority_id: str | None, now: datetime) -> list[tuple[StartTimer, int]]:
    """Return each timer start event with its first occurrence at or after ``now``.

    Raises:
        ModelValidationError: the model is shared by all authorities, or a schedule has no occurrence left.
    """
    found, problems = [], []
    for timer in model.start_timers:
        occurrence = timer.first_occurrence(now)
        if authority_id is None:
            problems.append((timer, "a model shared by all authorities cannot start cases on a schedule; deploy it "
                                    "for each authority that wants these cases"))
        elif occurrence is None:
            problems.append((timer, f"'{timer.value}' has no occurrence after now ({now.isoformat()}); "
                                    "no case would ever start"))
        else:
            found.append((timer, occurrence))
    if problems:
        raise ModelValidationError([ModelProblem(f"timer start event '{timer.bpmn_id}': {message}", timer.bpmn_id,
                                                 None, None) for timer, message in problems])
    return found


def _cancel_replaced_schedules(session: Session, definition: ProcessDefinition, now: datetime) -> None:
    """Cancel the waiting start timers of older versions that ``definition`` supersedes.

    An authority's version supersedes the authority's older ones; a shared
    version is newer than every authority's (version numbers count per key).
    A start timer already running in another transaction is not seen here; it
    checks ``is_latest`` when it fires and then does nothing.
    """
    condition = [Job.kind == "start_timer", Job.payload["process_key"].as_string() == definition.key]
    if definition.authority_id is not None:
        condition.append(Job.authority_id == definition.authority_id)
    jobs.cancel_waiting_where(session, *condition, now=now, detail=f"replaced by version {definition.version}")


def _same_owner(authority_id: str | None):
    if authority_id is None:
        return ProcessDefinition.authority_id.is_(None)
    return ProcessDefinition.authority_id == authority_id


def visible_to(authority_id: str):
    """SQL condition: definitions shared by all, or owned by ``authority_id``."""
    return or_(ProcessDefinition.authority_id.is_(None), ProcessDefinition.authority_id == authority_id)


def latest_definition(session: Session, key: str, authority_id: str) -> ProcessDefinition:
    """Return the newest version of ``key`` that the authority may use."""
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key, visible_to(authority_id))
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"no process definition with key '{key}'")
    return definition


def list_definitions(session: Session, authority_id: str, key: str | None = None) -> list[ProcessDefinition]:
    """Return all definition versions visible to the authority, newest first per key."""
    query = select(ProcessDefinition).where(visible_to(authority_id))
    if key is not None:
        query = query.where(ProcessDefinition.key == key)
    return list(session.scalars(query.order_by(ProcessDefinition.key, ProcessDefinition.version.desc())))


def get_definition(session: Session, definition_id: str, authority_id: str) -> ProcessDefinition:
    """Return one definition version visible to the authority."""
    definition = session.scalar(
        select(ProcessDefinition).where(ProcessDefinition.id == definition_id, visible_to(authority_id))
    )
    if definition is None:
        raise NotFound(f"no process definition with id '{definition_id}'")
    return definition


_MODEL_CACHE_SIZE = 128
_models: OrderedDict[str, ParsedModel] = OrderedDict()  # "content hash:key" -> model
_models_lock = threading.Lock()


def model_of(definition: ProcessDefinition) -> ParsedModel:
    """Return the parsed model of a definition (its process of the deployed files).

    Definitions never change, so the parsed model is cached per process by
    content hash and key; the files are read from the database only on a miss.
    """
    cache_key = f"{definition.content_hash}:{definition.key}"
    with _models_lock:
        model = _models.get(cache_key)
        if model is not None:
            _models.move_to_end(cache_key)
            return model
    model = load_model(definition.file_contents(), definition.key)
    with _models_lock:
        _models[cache_key] = model
        while len(_models) > _MODEL_CACHE_SIZE:
            _models.popitem(last=False)
    return model
