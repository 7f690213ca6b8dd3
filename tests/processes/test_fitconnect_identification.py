"""Identification reports in the metadata: a compact JWS as such, or base64url-encoded once more."""

from __future__ import annotations

import base64

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from processes.fitconnect.identification import IdentificationInvalid, identity_of

ISSUER = "https://id.example.org"


@pytest.fixture(scope="module")
def broker():
    return RSAKey.generate_key(2048, parameters={"kid": "broker-1", "alg": "RS256"})


def _report(broker, **claims) -> str:
    return jwt.encode({"alg": "RS256", "kid": "broker-1"}, {"iss": ISSUER, "sub": "pseudonym-1",
                                                           "acr": "http://eidas.europa.eu/LoA/substantial", **claims}, broker)


def _metadata(content: str) -> dict:
    return {"authenticationInformation": [{"type": "identificationReport", "version": "1.0.0", "content": content}]}


def _keys(broker):
    return lambda: {"keys": [broker.as_dict(private=False)]}


@pytest.mark.parametrize("encoded", [False, True])
def test_report_is_read_as_jws_or_as_base64url_of_the_jws(broker, encoded):
    token = _report(broker)
    content = base64.urlsafe_b64encode(token.encode()).rstrip(b"=").decode() if encoded else token
    identity = identity_of(_metadata(content), ISSUER, _keys(broker))
    assert (identity.subject, identity.assurance, identity.issuer) == ("pseudonym-1", "substantiell", ISSUER)


def test_report_of_another_issuer_or_signer_is_refused(broker):
    with pytest.raises(IdentificationInvalid, match="not by the trusted broker"):
        identity_of(_metadata(_report(broker, iss="https://other.example.org")), ISSUER, _keys(broker))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "broker-1", "alg": "RS256"})
    with pytest.raises(IdentificationInvalid, match="not signed by the eID broker"):
        identity_of(_metadata(_report(stranger)), ISSUER, _keys(broker))
    assert identity_of({}, ISSUER, _keys(broker)) is None
