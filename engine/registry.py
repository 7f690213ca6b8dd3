"""Registry of service operations that BPMN service tasks may call.

A service task names an operation (``spiffworkflow:serviceTaskOperator id``,
by convention ``<verfahren>.<verb>``). The script engine looks the operation
up here and calls its handler with the evaluated operation parameters as
keyword arguments; the handler's return value becomes the task's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class UnknownOperation(LookupError):
    """Raised when a service operation is not registered."""


class ServiceRegistry:
    """Maps operation names to handler callables."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._background: dict[str, Callable[[BackgroundCall], Any]] = {}

    def register(self, operation: str, handler: Callable[..., Any]) -> None:
        """Register ``handler`` under the name ``operation``.

        Args:
            operation: Operation name as used in the BPMN model.
            handler: Callable invoked as ``handler(**params)``.

        Raises:
            ValueError: If the name is empty or already registered.
        """
        if not operation:
            raise ValueError("operation name must not be empty")
        if operation in self._handlers:
            raise ValueError(f"service operation '{operation}' is already registered")
        self._handlers[operation] = handler

    def get(self, operation: str) -> Callable[..., Any]:
        """Return the handler registered for ``operation``.

        Raises:
            UnknownOperation: If no handler is registered under that name.
        """
        try:
            return self._handlers[operation]
        except KeyError:
            known = ", ".join(sorted(self._handlers)) or "none"
            raise UnknownOperation(
                f"unknown service operation '{operation}' (registered: {known})"
            ) from None

    def __contains__(self, operation: object) -> bool:
        return operation in self._handlers

    def names(self) -> list[str]:
        """Return the registered operation names, sorted."""
        return sorted(self._handlers)

    def register_background(self, operation: str, handler: Callable[[BackgroundCall], Any]) -> None:
        """Register work a ``background`` job does outside any case (e.g. polling a mailbox).

        Background operations are not service operations: a BPMN model cannot
        call them, and they are not listed by ``names``.

        Raises:
            ValueError: If the name is empty or already registered.
        """
        if not operation:
            raise ValueError("operation name must not be empty")
        if operation in self._background:
            raise ValueError(f"background operation '{operation}' is already registered")
        self._background[operation] = handler

    def background(self, operation: str) -> Callable[[BackgroundCall], Any]:
        """Return the handler of a background operation.

        Raises:
            UnknownOperation: If no background operation has that name.
        """
        try:
            return self._background[operation]
        except KeyError:
            raise UnknownOperation(f"unknown background operation '{operation}'") from None


@dataclass(frozen=True)
class CaseCall:
    """What a case operation works with: the step's transaction, the case, the engine's now."""

    session: Any
    case: Any
    now: datetime


@dataclass(frozen=True)
class BackgroundCall:
    """What a background operation works with: the session factory, the engine context, its job.

    The operation opens its own transactions (one per item it handles, so one
    bad item does not undo the others) and may return an effect: a callable
    taking a session, run in the transaction that finishes the job (e.g. to
    queue the next run).
    """

    factory: Any
    ctx: Any
    authority_id: str | None
    params: dict
    job_id: str


class CaseOperation:
    """A built-in operation on the case itself: its file, its notices, its delivery.

    Unlike a plain handler or a connector, which the worker calls outside any
    transaction, a case operation runs inside the transaction that applies
    its result to the case: what it writes (documents, audit events) commits
    or rolls back together with the step. It must not call outside systems.
    """

    def __init__(self, function: Callable[..., Any]):
        self.function = function

    def __call__(self, call: CaseCall, **params: Any) -> Any:
        return self.function(call, **params)
