"""OIDC access tokens for the REST API: JWTs checked against the issuer's published keys (JWKS).

A token is accepted only if its signature verifies with a key of the
issuer's JWKS (asymmetric algorithms only), ``iss`` is the configured issuer,
``aud`` contains the configured audience (or ``azp`` names it), and it has
not expired. The key set is read from the issuer's discovery document and
kept for five minutes; a token signed with an unknown key id makes this
process read the key set again (at most every 30 seconds), so a rotated key
is picked up without a restart. The cache is per process and holds only
public keys: a second process reads its own copy.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import requests
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
KEYS_TTL = 300.0
REFRESH_AFTER_UNKNOWN_KEY = 30.0
LEEWAY = 30


class InvalidAccessToken(Exception):
    """The token is not a valid access token of the issuer; the message says why (without secrets)."""


class AccessTokenVerifier:
    """Checks access tokens of one issuer."""

    def __init__(self, issuer: str, audience: str, fetch: Callable[..., requests.Response] = requests.get,
                 clock: Callable[[], float] = time.time):
        self.issuer, self.audience = issuer.rstrip("/"), audience
        self._fetch, self._clock = fetch, clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def claims(self, token: str) -> dict:
        """Return the verified claims of ``token``.

        Raises:
            InvalidAccessToken: Malformed, wrong signature or algorithm, wrong issuer or audience, expired, or
                the issuer's keys cannot be read.
        """
        try:
            decoded = self._decode(token, refresh=False)
        except _UnknownKey:
            decoded = self._decode(token, refresh=True)
        registry = jwt.JWTClaimsRegistry(now=int(self._clock()), leeway=LEEWAY, iss={"essential": True,
                                                                                     "value": self.issuer},
                                         exp={"essential": True})
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise InvalidAccessToken(f"the token's claims are not valid: {exc.error}") from exc
        audiences = decoded.claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else audiences or []
        if self.audience not in audiences and decoded.claims.get("azp") != self.audience:
            raise InvalidAccessToken(f"the token is not meant for this service (audience '{self.audience}')")
        return decoded.claims

    def _decode(self, token: str, refresh: bool):
        keys = self._key_set(refresh)
        try:
            return jwt.decode(token, keys, algorithms=list(ALGORITHMS))
        except (JoseError, ValueError, TypeError) as exc:
            if isinstance(exc, InvalidKeyIdError) and not refresh:
                raise _UnknownKey() from exc
            raise InvalidAccessToken("the token is malformed, uses an algorithm that is not allowed, or its "
                                     "signature does not verify with the issuer's keys") from exc

    def _key_set(self, refresh: bool) -> KeySet:
        with self._lock:
            age = self._clock() - self._fetched_at
            if self._keys is None or age > KEYS_TTL or (refresh and age > REFRESH_AFTER_UNKNOWN_KEY):
                self._keys, self._fetched_at = self._read_keys(), self._clock()
            return self._keys

    def _read_keys(self) -> KeySet:
        try:
            discovery = self._fetch(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
            discovery.raise_for_status()
            answer = self._fetch(discovery.json()["jwks_uri"], timeout=10)
            answer.raise_for_status()
            return KeySet.import_key_set(answer.json())
        except (requests.RequestException, ValueError, KeyError, TypeError, JoseError) as exc:
            raise InvalidAccessToken("the identity provider's keys cannot be read; the token cannot be checked") \
                from exc


class _UnknownKey(Exception):
    pass
