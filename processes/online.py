"""The online services of an installation: FIT-Connect intake and fee payment, configured by files.

Both are read once per process from the files named by
``AKTENFLUSS_FITCONNECT_FILE`` and ``AKTENFLUSS_PAYMENT_FILE`` (absent: the
service is off); their background work is registered with the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from eakte.storage import DocumentStore
from engine.registry import ServiceRegistry
from processes.fitconnect import polling
from processes.fitconnect.config import FitConnectConfig
from processes.payment import settlement
from processes.payment.config import PaymentConfig


@dataclass(frozen=True)
class OnlineServices:
    """The configuration of FIT-Connect and of the payment platform."""

    fitconnect: FitConnectConfig = field(default_factory=FitConnectConfig)
    payments: PaymentConfig = field(default_factory=PaymentConfig)

    @classmethod
    def from_env(cls) -> OnlineServices:
        """Read both files named in the environment."""
        return cls(FitConnectConfig.from_env(), PaymentConfig.from_env())


def register(registry: ServiceRegistry, store: Callable[[], DocumentStore], online: OnlineServices) -> None:
    """Register the background operations: FIT-Connect polling and the query of started payments."""
    polling.register(registry, store, online.fitconnect)
    settlement.register(registry, store, online.payments)
