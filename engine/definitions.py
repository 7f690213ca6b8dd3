"""Deploying BPMN/DMN models as versioned process definitions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.loader import ParsedModel, load_model, parse_model
from engine.models import DefinitionFile, ProcessDefinition


@dataclass(frozen=True)
class Deployment:
    """Result of a deployment: the definition and whether it is new."""

    definition: ProcessDefinition
    created: bool
    model: ParsedModel


def deploy(
    session: Session,
    files: dict[str, bytes],
    *,
    authority_id: str | None,
    deployed_by: str | None,
    known_operations: Collection[str] | None = None,
) -> Deployment:
    """Validate ``files`` and store them as a new version, or return the identical one.

    Raises:
        engine.loader.ModelValidationError: the model is invalid; it lists every problem found.
    """
    model = parse_model(files, known_operations=known_operations)
    existing = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == model.process_id,
            ProcessDefinition.content_hash == model.content_hash,
            _same_owner(authority_id),
        )
    )
    if existing is not None:
        return Deployment(existing, False, model)
    latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == model.process_id))
    definition = ProcessDefinition(
        key=model.process_id,
        version=(latest or 0) + 1,
        name=model.name,
        content_hash=model.content_hash,
        authority_id=authority_id,
        deployed_by=deployed_by,
        user_tasks=[{"bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane} for t in model.user_tasks],
        files=[DefinitionFile(filename=name, content=content) for name, content in sorted(files.items())],
    )
    session.add(definition)
    session.flush()
    return Deployment(definition, True, model)


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
_models: OrderedDict[str, ParsedModel] = OrderedDict()
_models_lock = threading.Lock()


def model_of(definition: ProcessDefinition) -> ParsedModel:
    """Return the parsed model of a definition.

    Definitions never change, so the parsed model is cached per process by
    content hash; the files are read from the database only on a miss.
    """
    with _models_lock:
        model = _models.get(definition.content_hash)
        if model is not None:
            _models.move_to_end(definition.content_hash)
            return model
    model = load_model(definition.file_contents())
    with _models_lock:
        _models[definition.content_hash] = model
        while len(_models) > _MODEL_CACHE_SIZE:
            _models.popitem(last=False)
    return model
