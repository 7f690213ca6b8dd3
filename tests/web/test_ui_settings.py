"""UI settings come from app.config (web/config.py defaults, AKTENFLUSS_* environment overrides)."""

from pathlib import Path

from web import config


def test_defaults_of_the_ui_settings():
    settings = config.defaults()
    assert settings["SESSION_COOKIE_SECURE"] is True  # HTTPS only, except in the demo
    assert Path(settings["NODE_MODULES_DIR"]) == Path(__file__).resolve().parents[2] / "node_modules"
    assert settings["OIDC_ISSUER"] is None and settings["OIDC_CLIENT_ID"] is None
    assert settings["OIDC_AUTHORITY_CLAIM"] == "authority"
    assert settings["OIDC_USERNAME_CLAIM"] == "preferred_username"


def test_environment_switches_secure_cookies_and_oidc(monkeypatch):
    monkeypatch.setenv("AKTENFLUSS_SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("AKTENFLUSS_OIDC_ISSUER", "https://sso.example.invalid/realms/stadt")
    assert config.load()["SESSION_COOKIE_SECURE"] is True
    assert config.load()["OIDC_ISSUER"] == "https://sso.example.invalid/realms/stadt"
    monkeypatch.setenv("AKTENFLUSS_SESSION_COOKIE_SECURE", "0")
    assert config.load()["SESSION_COOKIE_SECURE"] is False


def test_app_uses_the_configured_cookie_flag(backend, monkeypatch):
    from web import create_app

    monkeypatch.setenv("AKTENFLUSS_SESSION_COOKIE_SECURE", "true")
    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "x"})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        response = app.test_client().get("/ui/anmelden")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.extensions["db_engine"].dispose()
