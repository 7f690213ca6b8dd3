"""OpenID Connect login against a local stub provider: existing users only, state/nonce/signature checked."""

from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.oidc_stub import running_oidc_stub
from tests.web.ui_helpers import ui_user


@pytest.fixture()
def stub():
    with running_oidc_stub(client_id="aktenfluss-ui", client_secret="geheim-123") as provider:
        yield provider


@pytest.fixture()
def oidc_client(backend, stub):
    """A client of an app configured for the stub provider."""
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url,
                      "SECRET_KEY": "test-secret", "TESTING": True, "OIDC_ISSUER": stub.issuer,
                      "OIDC_CLIENT_ID": "aktenfluss-ui", "OIDC_CLIENT_SECRET": "geheim-123"})
    yield app.test_client()
    app.extensions["db_engine"].dispose()


def _sso_login(client, next_url="/ui/aufgaben"):
    """Run the code flow: app -> provider (a real HTTP request to the stub) -> back to the app's callback."""
    start = client.get(f"/ui/anmelden/sso?next={next_url}")
    assert start.status_code == 302
    authorize = start.location
    assert authorize.startswith(client.application.config["OIDC_ISSUER"] + "/authorize?")
    at_provider = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/ui/anmelden/sso/rueckkehr"
    return client.get(f"{back.path}?{back.query}")


def test_existing_user_logs_in_through_the_provider(oidc_client, stub, authority, session_factory):
    ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    login_page = oidc_client.get("/ui/anmelden").get_data(as_text=True)
    assert "Mit dem Konto Ihrer Behörde anmelden" in login_page
    stub.login_as(preferred_username="sabine", authority=authority.slug)
    response = _sso_login(oidc_client, next_url="/ui/aufgaben?suche=x")
    assert response.status_code == 302 and response.location == "/ui/aufgaben?suche=x"
    inbox = oidc_client.get("/ui/aufgaben").get_data(as_text=True)
    assert "Sabine Sorge" in inbox


def test_unknown_user_is_not_created_and_gets_a_german_error(oidc_client, stub, authority, session_factory):
    stub.login_as(preferred_username="niemand", authority=authority.slug)
    response = _sso_login(oidc_client)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "ist in Aktenfluss nicht eingerichtet" in html and "nicht automatisch angelegt" in html
    assert oidc_client.get("/ui/aufgaben").status_code == 302  # still not logged in


def test_user_of_another_authority_claim_is_refused(oidc_client, stub, authority, other_authority, session_factory):
    ui_user(session_factory, authority, "sabine")
    stub.login_as(preferred_username="sabine", authority=other_authority.slug)
    assert _sso_login(oidc_client).status_code == 403
    stub.login_as(preferred_username="sabine")  # no authority claim at all
    missing = _sso_login(oidc_client)
    assert missing.status_code == 403 and "keine Angabe „authority“" in missing.get_data(as_text=True)


@pytest.mark.parametrize("tamper", ["nonce", "signature"])
def test_forged_id_token_is_refused(oidc_client, stub, authority, session_factory, tamper):
    ui_user(session_factory, authority, "sabine")
    stub.login_as(preferred_username="sabine", authority=authority.slug)
    if tamper == "nonce":
        stub.nonce_override = "replayed-nonce"
    else:
        stub.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = _sso_login(oidc_client)
    assert response.status_code == 401
    assert "Die Anmeldung über den Anmeldedienst Ihrer Behörde ist fehlgeschlagen" in response.get_data(as_text=True)
    assert oidc_client.get("/ui/aufgaben").status_code == 302


def test_callback_without_started_login_is_refused(oidc_client):
    response = oidc_client.get("/ui/anmelden/sso/rueckkehr?code=abc&state=erfunden")
    assert response.status_code == 401


def test_without_issuer_there_is_no_sso(client):
    assert "Mit dem Konto Ihrer Behörde anmelden" not in client.get("/ui/anmelden").get_data(as_text=True)
    assert client.get("/ui/anmelden/sso").status_code == 404
