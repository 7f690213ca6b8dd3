"""What the engine needs that is configured outside it: the audit sink, registries, clock and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Mapping, Protocol

from sqlalchemy.orm import Session

from engine import task_rules
from engine.case_data import DataLimits
from engine.connectors.config import ConnectorConfig
from engine.connectors.systems import OperationDeclaration
from engine.db import utcnow
from engine.forms import FormRegistry
from engine.models import Case, ProcessDefinition
from engine.registry import ServiceRegistry
from engine.script_engine import SandboxLimits
from engine.service_tasks import DeferredServiceScriptEngine


class EventSink(Protocol):
    """Receives what happens to a case, inside the same transaction (the audit log)."""

    def __call__(self, session: Session, case: Case, kind: str, actor: str | None, data: dict) -> None: ...


@dataclass
class EngineContext:
    """Everything the engine needs that is configured outside it."""

    events: EventSink
    registry: ServiceRegistry = field(default_factory=ServiceRegistry)
    forms: FormRegistry = field(default_factory=FormRegistry)
    clock: Callable[[], datetime] = utcnow
    script_time_limit: float = 1.0
    script_memory_limit: int = 256 * 2**20
    script_processes: int = 2
    data_limits: DataLimits = field(default_factory=DataLimits)
    service_max_attempts: int = 5
    message_ttl: timedelta = timedelta(days=30)
    connectors: ConnectorConfig = field(default_factory=ConnectorConfig)
    declared_operations: Callable[[ProcessDefinition], Mapping[str, OperationDeclaration]] = lambda definition: {}
    """Connector operations a definition's package declares (engine/connectors/systems.py)."""
    start_guard: Callable[[Session, ProcessDefinition, str], None] | None = None
    """Called before a case of (definition, authority id) starts; raises to refuse it (an imported package not set up)."""
    applicant_of: Callable[[str, dict], str | None] = task_rules.default_applicant

    def __post_init__(self) -> None:
        limits = SandboxLimits(self.script_time_limit, self.script_memory_limit, self.data_limits.case_data_bytes,
                               self.script_processes)
        self.script_engine = DeferredServiceScriptEngine(registry=self.registry, limits=limits)
