"""Single sign-on with the local test issuer: users created at the first sign-in with roles and groups from claims,
roles and groups kept in step at later sign-ins, and OIDC access tokens (JWT) accepted by the API; expired, forged
or foreign tokens refused."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from eakte.models import AuditEvent
from engine.db import transaction
from engine.models import User
from processes.administration.sso import ClaimRules, groups_from, parse_mapping, roles_from
from tests.support.oidc_stub import running_oidc_stub
from tests.web.test_ui_oidc import _sso_login
from tests.web.ui_helpers import ui_user

CLIENT = "aktenfluss-ui"


@pytest.fixture(scope="module")
def stub():
    with running_oidc_stub(client_id=CLIENT, client_secret="geheim-123") as provider:
        yield provider


@pytest.fixture(scope="module")
def sso_app(backend, stub):
    """An app that takes roles and groups from Keycloak-style claims and creates users at their first sign-in."""
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url,
                      "SECRET_KEY": "test-secret", "TESTING": True, "OIDC_ISSUER": stub.issuer,
                      "OIDC_CLIENT_ID": CLIENT, "OIDC_CLIENT_SECRET": "geheim-123",
                      "OIDC_ROLES_CLAIM": "realm_access.roles",
                      "OIDC_ROLE_MAPPING": "bauamt-sachbearbeitung=clerk,bauamt-leitung=supervisor,it-admin=admin",
                      "OIDC_GROUPS_CLAIM": "groups", "OIDC_CREATE_USERS": True})
    yield app
    app.extensions["db_engine"].dispose()


def _user(session_factory, authority, username):
    with transaction(session_factory) as session:
        user = session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))
        return None if user is None else (user.display_name, user.email, sorted(user.roles), sorted(user.groups))


def test_first_sign_in_creates_the_user_with_roles_and_groups_from_claims(sso_app, stub, authority, session_factory):
    client = sso_app.test_client()
    stub.login_as(preferred_username="neu", authority=authority.slug, name="Nina Neu", email="nina@example.org",
                  realm_access={"roles": ["bauamt-sachbearbeitung", "offline_access", "uma_authorization"]},
                  groups=["/Bauaufsicht", "/Wohngeld"])
    assert _sso_login(client).status_code == 302
    assert "Nina Neu" in client.get("/ui/aufgaben").get_data(as_text=True)
    assert _user(session_factory, authority, "neu") == ("Nina Neu", "nina@example.org", ["clerk"],
                                                        ["Bauaufsicht", "Wohngeld"])
    with transaction(session_factory) as session:
        kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.stream == f"authority/{authority.id}")).all()
    assert "oidc.user_created" in kinds


def test_later_sign_ins_follow_the_providers_roles_and_groups(sso_app, stub, authority, session_factory):
    ui_user(session_factory, authority, "anna", roles=("clerk",), groups=("Alt",))
    client = sso_app.test_client()
    stub.login_as(preferred_username="anna", authority=authority.slug,
                  realm_access={"roles": ["bauamt-leitung", "bauamt-sachbearbeitung"]}, groups=["/Bauaufsicht"])
    assert _sso_login(client).status_code == 302
    assert _user(session_factory, authority, "anna")[2:] == (["clerk", "supervisor"], ["Bauaufsicht"])
    assert "Aktensuche" in client.get("/ui/aufgaben").get_data(as_text=True)  # the supervisor's menu


def test_a_new_user_without_a_known_role_is_refused(sso_app, stub, authority, session_factory):
    stub.login_as(preferred_username="ohne", authority=authority.slug, realm_access={"roles": ["offline_access"]})
    answer = _sso_login(sso_app.test_client())
    assert answer.status_code == 403 and "keine Rolle für Aktenfluss" in answer.get_data(as_text=True)
    assert _user(session_factory, authority, "ohne") is None


def test_an_unknown_authority_is_refused(sso_app, stub, authority):
    stub.login_as(preferred_username="x", authority="gibt-es-nicht", realm_access={"roles": ["it-admin"]})
    answer = _sso_login(sso_app.test_client())
    assert answer.status_code == 403 and "gibt-es-nicht" in answer.get_data(as_text=True)


def test_claim_rules_map_names_and_never_grant_the_operator_role():
    rules = ClaimRules(roles_claim="resource_access.aktenfluss.roles", role_mapping=parse_mapping("boss = supervisor"),
                       groups_claim="groups", group_mapping=parse_mapping("/bau=Bauaufsicht"))
    claims = {"resource_access": {"aktenfluss": {"roles": ["boss", "clerk", "operator"]}}, "groups": ["/bau", "/x"]}
    assert roles_from(claims, rules) == ["supervisor"]  # with a mapping, only mapped names count
    assert roles_from({"roles": ["operator", "admin"]}, ClaimRules(roles_claim="roles")) == ["admin"]
    assert groups_from(claims, ClaimRules(groups_claim="groups", group_mapping={"bau": "Bauaufsicht"})) == ["Bauaufsicht"]
    assert roles_from({}, ClaimRules()) is None and groups_from({"groups": "/a"}, ClaimRules(groups_claim="groups")) == ["a"]
    with pytest.raises(ValueError):
        parse_mapping("ohne-gleichheitszeichen")


# --- API with OIDC access tokens ---------------------------------------------------------------------------------


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_api_accepts_the_issuers_access_tokens(sso_app, stub, authority, session_factory):
    ui_user(session_factory, authority, "anna", roles=("clerk",), groups=("Sachbearbeitung",))
    token = stub.access_token({"preferred_username": "anna", "authority": authority.slug,
                               "realm_access": {"roles": ["bauamt-sachbearbeitung"]}, "groups": ["Sachbearbeitung"]})
    client = sso_app.test_client()
    me = client.get("/api/v1/me", headers=_bearer(token))
    assert me.status_code == 200 and me.json["username"] == "anna" and me.json["roles"] == ["clerk"]
    assert client.get("/api/v1/tasks", headers=_bearer(token)).status_code == 200
    assert client.get("/api/v1/users", headers=_bearer(token)).status_code == 403  # a clerk is no admin


def test_the_products_own_tokens_still_work_next_to_access_tokens(sso_app, authority):
    clerk = authority.user("tom", roles=("clerk",))
    assert sso_app.test_client().get("/api/v1/me", headers=clerk.headers).json["username"] == "tom"


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.mark.parametrize("forgery", ["expired", "other_key", "other_issuer", "other_audience", "tampered",
                                     "alg_none", "garbage"])
def test_expired_forged_and_foreign_access_tokens_are_refused(sso_app, stub, authority, session_factory, forgery):
    ui_user(session_factory, authority, "anna", roles=("clerk",))
    claims = {"preferred_username": "anna", "authority": authority.slug,
              "realm_access": {"roles": ["bauamt-sachbearbeitung"]}}
    if forgery == "expired":
        token = stub.access_token(claims, expires_in=-120)
    elif forgery == "other_key":
        stub.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        try:
            token = stub.access_token(claims)
        finally:
            stub.sign_with = None
    elif forgery == "other_issuer":
        token = stub.access_token({**claims, "iss": "https://keycloak.example.org/realms/fremd"})
    elif forgery == "other_audience":
        token = stub.access_token({**claims, "azp": "anderer-dienst"}, audience="anderer-dienst")
    elif forgery == "tampered":
        header, _, signature = stub.access_token(claims).split(".")
        payload = _payload(f"x.{_}") | {"preferred_username": "chefin"}
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        token = f"{header}.{body}.{signature}"
    elif forgery == "alg_none":
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        body = base64.urlsafe_b64encode(json.dumps({**claims, "iss": stub.issuer, "aud": CLIENT,
                                                    "exp": int(time.time()) + 300}).encode()).rstrip(b"=").decode()
        token = f"{header}.{body}."
    else:
        token = "kein.jwt"
    answer = sso_app.test_client().get("/api/v1/me", headers=_bearer(token))
    assert answer.status_code == 401, answer.json
    assert "invalid access token" in answer.json["message"]


def test_a_valid_token_of_an_unknown_user_is_403_without_creation_rules(backend, stub, authority, session_factory):
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url,
                      "SECRET_KEY": "test-secret", "TESTING": True, "OIDC_ISSUER": stub.issuer,
                      "OIDC_CLIENT_ID": CLIENT, "OIDC_CLIENT_SECRET": "geheim-123"})
    try:
        token = stub.access_token({"preferred_username": "niemand", "authority": authority.slug})
        answer = app.test_client().get("/api/v1/me", headers=_bearer(token))
        assert answer.status_code == 403 and "unknown_user" in answer.json["message"]
        assert _user(session_factory, authority, "niemand") is None
    finally:
        app.extensions["db_engine"].dispose()


def test_a_rotated_signing_key_is_picked_up(sso_app, stub, authority, session_factory):
    ui_user(session_factory, authority, "anna", roles=("clerk",))
    claims = {"preferred_username": "anna", "authority": authority.slug,
              "realm_access": {"roles": ["bauamt-sachbearbeitung"]}}
    client = sso_app.test_client()
    assert client.get("/api/v1/me", headers=_bearer(stub.access_token(claims))).status_code == 200
    old_key, old_kid = stub.key, stub.kid
    stub.key, stub.kid = rsa.generate_private_key(public_exponent=65537, key_size=2048), "neuer-schluessel"
    verifier = sso_app.extensions["oidc_access"]
    verifier._fetched_at -= 60  # the last read of the keys is older than the refresh interval
    try:
        assert client.get("/api/v1/me", headers=_bearer(stub.access_token(claims))).status_code == 200
    finally:
        stub.key, stub.kid = old_key, old_kid
        verifier._fetched_at = 0
