"""The payment platform's interface as the authority uses it (modelled on ePayBL-style platforms).

- ``POST /api/v1/zahlungen`` (HTTP Basic: merchant id and API key) creates a
  payment for a Kassenzeichen, an amount in cents, a purpose, the address the
  payer returns to and the address the platform notifies; the answer names the
  payment and its payment page (``zahlungsseite``) the payer is sent to.
- ``GET /api/v1/zahlungen/<id>`` answers its state: ``INITIAL``, ``BOOKED``,
  ``FAILED`` or ``CANCELED`` (the states of FIT-Connect's paymentInformation).
- The platform notifies with ``POST`` of the same JSON to the notification
  address, signed: ``X-Epay-Signatur`` is the hex HMAC-SHA256 of
  ``<X-Epay-Zeitstempel> + "." + body`` with the authority's notification secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import requests

from processes.payment.config import Merchant

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Epay-Signatur"
TIMESTAMP_HEADER = "X-Epay-Zeitstempel"


class ProviderUnavailable(Exception):
    """The payment platform cannot be used now; the message says how."""


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the platform describes it."""

    payment_id: str
    kassenzeichen: str
    amount_cents: int
    currency: str
    state: str
    method: str | None = None
    booked_at: datetime | None = None
    payment_page: str | None = None

    @classmethod
    def from_json(cls, body: dict) -> ProviderPayment:
        """Read the platform's JSON.

        Raises:
            ValueError: a field is missing or of the wrong type.
        """
        try:
            amount = body["betrag"]
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise ValueError("betrag must be whole cents")
            booked = body.get("gebuchtAm")
            return cls(payment_id=str(body["zahlungId"]), kassenzeichen=str(body["kassenzeichen"]),
                       amount_cents=amount, currency=str(body.get("waehrung") or "EUR"), state=str(body["status"]),
                       method=body.get("zahlverfahren"),
                       booked_at=datetime.fromisoformat(booked) if booked else None,
                       payment_page=body.get("zahlungsseite"))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"the payment platform's answer lacks {exc}") from exc

    def as_json(self) -> dict:
        """The fields as the platform names them (filed as the proof of payment)."""
        return {"zahlungId": self.payment_id, "kassenzeichen": self.kassenzeichen, "betrag": self.amount_cents,
                "waehrung": self.currency, "status": self.state, "zahlverfahren": self.method,
                "gebuchtAm": self.booked_at.isoformat() if self.booked_at else None}


class PaymentPlatform:
    """The platform, as one authority's merchant account sees it."""

    def __init__(self, base_url: str, merchant: Merchant, timeout: float = TIMEOUT_SECONDS):
        self.base_url, self.merchant, self.timeout = base_url.rstrip("/"), merchant, timeout

    def create(self, *, kassenzeichen: str, amount_cents: int, currency: str, purpose: str, return_url: str,
               notification_url: str) -> ProviderPayment:
        """Create a payment; the payer pays on its ``payment_page``."""
        body = {"kassenzeichen": kassenzeichen, "betrag": amount_cents, "waehrung": currency,
                "verwendungszweck": purpose, "rueckkehrUrl": return_url, "benachrichtigungUrl": notification_url}
        return self._call("POST", "/api/v1/zahlungen", json=body, expected=201)

    def state(self, payment_id: str) -> ProviderPayment:
        """Ask the platform where a payment stands."""
        return self._call("GET", f"/api/v1/zahlungen/{payment_id}", expected=200)

    def _call(self, method: str, path: str, expected: int, **kwargs) -> ProviderPayment:
        try:
            response = requests.request(method, self.base_url + path, timeout=self.timeout,
                                        auth=(self.merchant.merchant_id, self.merchant.key()), **kwargs)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"the payment platform cannot be reached: {exc}") from exc
        if response.status_code != expected:
            raise ProviderUnavailable(f"the payment platform answered {response.status_code}: {response.text[:200]}")
        try:
            return ProviderPayment.from_json(response.json())
        except ValueError as exc:
            raise ProviderUnavailable(f"the payment platform answered something unreadable: {exc}") from exc


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The notification signature: hex HMAC-SHA256 of ``timestamp + "." + body``."""
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_matches(key: bytes, timestamp: str | None, body: bytes, given: str | None) -> bool:
    """Tell whether a notification carries the signature made with ``key`` (constant-time comparison)."""
    if not timestamp or not given or not timestamp.isascii():
        return False
    return hmac.compare_digest(signature(key, timestamp, body), given.strip().lower())
