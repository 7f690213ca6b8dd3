"""Which payment platform an authority collects its fees through (ePayBL-style), with which credentials.

The file named by ``AKTENFLUSS_PAYMENT_FILE``::

    provider_url: https://epay.example.org          # the payment platform's API and payment pages
    authorities:
      schwerin:                                     # authority slug
        merchant_id: "130040000-63"                 # Bewirtschafter/Mandant at the platform
        api_key: ${EPAY_SCHWERIN_API_KEY}
        notification_secret: ${EPAY_SCHWERIN_NOTIFICATION_SECRET}   # HMAC key of the platform's notifications
        kassenzeichen_prefix: "5063"                # digits that start the authority's Kassenzeichen
        notification_base_url: https://aktenfluss.example   # optional; default PUBLIC_BASE_URL

An authority without an entry still gets Kassenzeichen (prefix 9900) on its
fee notices; its applicants cannot pay online then.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from processes.config_files import ConfigError, expand, mapping, only_keys, read_yaml, text

ENV_VAR = "AKTENFLUSS_PAYMENT_FILE"
DEFAULT_PREFIX = "9900"


@dataclass(frozen=True)
class Merchant:
    """An authority's account at the payment platform."""

    slug: str
    merchant_id: str
    api_key: str
    notification_secret: str
    kassenzeichen_prefix: str = DEFAULT_PREFIX
    notification_base_url: str | None = None

    def key(self) -> str:
        """The API key with ``${VAR}`` resolved."""
        return expand(self.api_key, f"the payment API key of '{self.slug}'")

    def notification_key(self) -> bytes:
        """The HMAC key of the platform's notifications, ``${VAR}`` resolved."""
        return expand(self.notification_secret, f"the payment notification secret of '{self.slug}'").encode("utf-8")


@dataclass(frozen=True)
class PaymentConfig:
    """The payment platform and the authorities that collect through it."""

    provider_url: str = ""
    merchants: dict[str, Merchant] = field(default_factory=dict)

    def merchant(self, slug: str) -> Merchant | None:
        """The authority's merchant account, or None if it cannot take payments online."""
        return self.merchants.get(slug)

    def prefix(self, slug: str) -> str:
        """The digits that start the authority's Kassenzeichen."""
        merchant = self.merchants.get(slug)
        return merchant.kassenzeichen_prefix if merchant else DEFAULT_PREFIX

    @classmethod
    def from_dict(cls, data: dict | None) -> PaymentConfig:
        """Build from parsed YAML (see the module docstring).

        Raises:
            ConfigError: the structure or a value is invalid.
        """
        data = mapping(data, "the payment configuration")
        if not data:
            return cls()
        only_keys(data, {"provider_url", "authorities"}, "the payment configuration")
        merchants = {}
        for slug, entry in mapping(data.get("authorities"), "'authorities'").items():
            where = f"payment authority '{slug}'"
            entry = mapping(entry, where)
            only_keys(entry, {"merchant_id", "api_key", "notification_secret", "kassenzeichen_prefix",
                              "notification_base_url"}, where)
            prefix = text(entry, "kassenzeichen_prefix", where, required=False, default=DEFAULT_PREFIX)
            if not prefix.isdigit() or not 2 <= len(prefix) <= 8:
                raise ConfigError(f"kassenzeichen_prefix of {where} must be 2 to 8 digits")
            base = text(entry, "notification_base_url", where, required=False)
            merchants[str(slug)] = Merchant(
                slug=str(slug), merchant_id=text(entry, "merchant_id", where), api_key=text(entry, "api_key", where),
                notification_secret=text(entry, "notification_secret", where), kassenzeichen_prefix=prefix,
                notification_base_url=base.rstrip("/") if base else None,
            )
        return cls(provider_url=text(data, "provider_url", "the payment configuration").rstrip("/"),
                   merchants=merchants)

    @classmethod
    def from_file(cls, path: str | Path) -> PaymentConfig:
        """Load a YAML file."""
        return cls.from_dict(read_yaml(path, "payment configuration"))

    @classmethod
    def from_env(cls) -> PaymentConfig:
        """Load the file named by ``AKTENFLUSS_PAYMENT_FILE``; empty (no online payment) if unset."""
        path = os.environ.get(ENV_VAR)
        return cls.from_file(path) if path else cls()
