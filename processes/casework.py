"""Application services: the engine wired to the E-Akte's audit log.

These are the functions the REST API, the UI and the CLI call. Each takes a
session first, flushes and never commits: the request or command owns the
transaction, so the case change and its audit events commit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from engine import definitions, runner
from engine.case_data import DataLimits
from engine.db import utcnow
from engine.connectors.config import ConnectorConfig
from engine.connectors.http import register_connectors
from engine.errors import Forbidden, NotFound
from engine.forms import FormRegistry
from engine.models import Case, ProcessDefinition, User, UserTask
from engine.registry import ServiceRegistry
from engine.runner import EngineContext
from eakte.storage import DocumentStore
from eakte.siegel import Sealer
from processes import register_all
from processes.applicants import applicant_of
from processes.notices import CaseFileSteps
from processes.packages.deploy import deploy_package
from processes.packages.setup import start_guard
from processes.packages.store import declared_operations
from processes.filing import CaseFiler, record_case_event
from processes.online import OnlineServices, register as register_online
from processes.renditions import register as register_renditions

ENDED = ("completed", "cancelled")
"""Statuses of a case that has ended."""


@dataclass(frozen=True)
class EngineLimits:
    """Limits of scripts and case data (settings SCRIPT_MEMORY_LIMIT, SCRIPT_PROCESSES, ..._MAX_BYTES)."""

    script_memory_limit: int = 256 * 2**20
    script_processes: int = 2
    data: DataLimits = field(default_factory=DataLimits)


def build_context(
    store: Callable[[], DocumentStore] | None = None,
    clock: Callable[[], datetime] = utcnow,
    script_time_limit: float = 1.0,
    sealer: Callable[[], Sealer | None] = lambda: None,
    connectors: ConnectorConfig | None = None,
    public_base_url: str = "http://127.0.0.1:5000",
    limits: EngineLimits | None = None,
    online: OnlineServices | None = None,
) -> EngineContext:
    """Create the engine context with every bundled procedure registered.

    With a document store, every case is filed into the E-Akte (see
    processes/filing.py), the worker makes the renditions of filed records
    (processes/renditions.py) and the procedures' steps that write notices are
    available; without one, only the audit log is written (the engine
    benchmark measures that configuration). Connector endpoints come from
    ``connectors`` or, by default, from AKTENFLUSS_CONNECTORS_FILE; FIT-Connect
    and the payment platform from ``online`` or, by default, their files
    (processes/online.py).
    """
    registry, forms = ServiceRegistry(), FormRegistry()
    online = online if online is not None else OnlineServices.from_env()
    steps = (CaseFileSteps(store, sealer, public_base_url, online.payments, online.fitconnect)
             if store is not None else None)
    register_all(registry, steps)
    if store is not None:
        register_online(registry, store, online)
        register_renditions(registry, store)
    connectors = connectors if connectors is not None else ConnectorConfig.from_env()
    register_connectors(registry, connectors)
    events = CaseFiler(store, clock) if store is not None else record_case_event
    limits = limits or EngineLimits()
    ctx = EngineContext(events=events, registry=registry, forms=forms, clock=clock, script_time_limit=script_time_limit,
                        script_memory_limit=limits.script_memory_limit, script_processes=limits.script_processes,
                        data_limits=limits.data, connectors=connectors, declared_operations=declared_operations,
                        applicant_of=applicant_of)
    ctx.start_guard = start_guard(ctx)
    return ctx


def deploy_model(
    session: Session, ctx: EngineContext, files: dict[str, bytes], *, authority_id: str | None, actor: str
) -> definitions.Deployment:
    """Deploy a package (model, forms, templates, manifest) for one authority (or for all) and log a new version."""
    deployment = deploy_package(session, files, registered=ctx.registry.names(), authority_id=authority_id,
                                deployed_by=actor, now=ctx.clock())
    if deployment.created:
        definition = deployment.definition
        audit.record(
            session, f"definition/{definition.key}", "definition.deployed",
            actor=actor, authority_id=authority_id,
            data={"definition_id": definition.id, "version": definition.version, "content_hash": definition.content_hash,
                  "files": sorted(files)},
        )
    return deployment


def deploy(session: Session, ctx: EngineContext, files: dict[str, bytes], user: User, shared: bool = False):
    """Deploy a model for the user's authority, or for all authorities (admins only)."""
    if shared and not user.has_role("admin"):
        raise Forbidden("only administrators may deploy models shared by all authorities")
    return deploy_model(session, ctx, files, authority_id=None if shared else user.authority_id, actor=user.username)


def start_case(
    session: Session, ctx: EngineContext, user: User, process_key: str, data: dict[str, Any],
    business_key: str | None = None, subject: str | None = None,
) -> Case:
    """Start the newest visible version of ``process_key`` for the user's authority."""
    definition = definitions.latest_definition(session, process_key, user.authority_id)
    return runner.start_case(
        session, ctx, definition, authority_id=user.authority_id, actor=user.username,
        data=data, business_key=business_key, subject=subject,
    )


def get_case(session: Session, user: User, case_id: str) -> Case:
    """Return a case of the user's authority, or raise NotFound."""
    case = session.scalar(select(Case).where(Case.id == case_id, Case.authority_id == user.authority_id))
    if case is None:
        raise NotFound(f"no case with id '{case_id}'")
    return case


def open_tasks_of(session: Session, case: Case) -> list[UserTask]:
    """Return the open human tasks of a case (none, without asking the database, once it ended)."""
    if case.status in ENDED:  # ending a case closes its open tasks in the same transaction
        return []
    return list(session.scalars(
        select(UserTask).where(UserTask.case_id == case.id, UserTask.status == "open").order_by(UserTask.created_at)
    ))


def get_task(session: Session, user: User, task_id: str) -> UserTask:
    """Return a task of the user's authority, or raise NotFound."""
    task = session.scalar(select(UserTask).where(UserTask.id == task_id, UserTask.authority_id == user.authority_id))
    if task is None:
        raise NotFound(f"no task with id '{task_id}'")
    return task


def find_user(session: Session, authority_id: str, username: str) -> User:
    """Return an active user of the authority by name, or raise NotFound."""
    user = session.scalar(select(User).where(User.authority_id == authority_id, User.username == username, User.active))
    if user is None:
        raise NotFound(f"no user '{username}' in your authority")
    return user


def get_definition(session: Session, user: User, definition_id: str) -> ProcessDefinition:
    """Return a definition visible to the user's authority."""
    return definitions.get_definition(session, definition_id, user.authority_id)
