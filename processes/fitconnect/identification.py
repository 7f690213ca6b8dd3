"""Identification reports in a submission's metadata: who applied, as the eID broker confirmed it.

The online service identified the applicant through the eID broker (BundID,
the MV-Servicekonto) and puts the broker's signed report into the metadata
(``authenticationInformation``, type ``identificationReport``, the report as
base64url). The report is a JWT signed by the broker with the keys it
publishes for OpenID Connect; it names the pseudonym (``sub``) and the
assurance level (``acr``). A report that does not verify rejects the
submission; a submission without one is accepted without an applicant
account (e.g. a hospital system).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Callable

import requests

from processes.fitconnect.jose import JoseFailure, key_set, read_signed
from processes.portal.assurance import level_of

REPORT_ALGORITHMS = ("RS256", "PS256", "PS512", "ES256")


@dataclass(frozen=True)
class Identity:
    """A verified applicant: the broker, the pseudonym and the assurance level."""

    issuer: str
    subject: str
    assurance: str


class IdentificationInvalid(Exception):
    """A report is present but cannot be trusted; the message says why."""


class BrokerUnavailable(Exception):
    """The broker's keys cannot be fetched now: nothing is decided, the next poll tries again."""


def identity_of(metadata: dict, issuer: str | None, keys: Callable[[], dict]) -> Identity | None:
    """Verify the identification report of a submission, if it has one.

    Args:
        metadata: The decrypted metadata.
        issuer: The trusted eID broker (None: reports are not evaluated).
        keys: Returns the broker's JWK set (fetched only if a report is there).

    Raises:
        IdentificationInvalid: a report is there but malformed, signed by someone else, or incomplete.
    """
    reports = [item for item in metadata.get("authenticationInformation") or []
               if isinstance(item, dict) and item.get("type") == "identificationReport"]
    if not reports or issuer is None:
        return None
    if len(reports) > 1:
        raise IdentificationInvalid("more than one identification report")
    try:
        token = base64.urlsafe_b64decode(_padded(reports[0]["content"])).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise IdentificationInvalid("the report is not base64url text") from exc
    try:
        _, claims = read_signed(token, key_set(keys()), expected_type=None, algorithms=REPORT_ALGORITHMS)
    except JoseFailure as exc:
        raise IdentificationInvalid(f"the report is not signed by the eID broker: {exc}") from exc
    if claims.get("iss") != issuer:
        raise IdentificationInvalid(f"the report was issued by '{claims.get('iss')}', not by the trusted broker")
    subject, assurance = claims.get("sub"), level_of(claims.get("acr"))
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise IdentificationInvalid("the report names no pseudonym (sub)")
    if assurance is None:
        raise IdentificationInvalid(f"the report has an unknown assurance level (acr '{claims.get('acr')}')")
    return Identity(issuer, subject, assurance)


def broker_keys(issuer: str, timeout: float = 10.0) -> dict:
    """Fetch the broker's JWK set through its OpenID discovery document.

    Raises:
        BrokerUnavailable: the broker cannot be reached or answers nonsense (the poll retries later).
    """
    try:
        discovery = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=timeout).json()
        return requests.get(discovery["jwks_uri"], timeout=timeout).json()
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise BrokerUnavailable(f"the eID broker's keys cannot be fetched: {exc}") from exc


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)
