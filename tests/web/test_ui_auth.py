"""Login, logout, rate limit, CSRF and session cookie of the UI."""

from tests.web.ui_helpers import PASSWORD, csrf_token, login, post_form, ui_user


def test_login_shows_inbox_and_logout_ends_session(client, authority, session_factory):
    ui_user(session_factory, authority, "anna", display_name="Anna Amsel")
    response = login(client, authority, "anna")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ui/aufgaben")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/ui/aufgaben")
    assert page.status_code == 200 and "Anna Amsel" in page.get_data(as_text=True)
    assert post_form(client, "/ui/abmelden").status_code == 302
    assert client.get("/ui/aufgaben").status_code == 302


def test_pages_need_login(client):
    response = client.get("/ui/aufgaben?bereich=mine")
    assert response.status_code == 302
    assert "/ui/anmelden?next=" in response.headers["Location"]


def test_wrong_password_is_refused_and_failures_are_rate_limited(client, authority, session_factory):
    ui_user(session_factory, authority, "bert")
    for _ in range(5):
        response = login(client, authority, "bert", "falsches-passwort")
        assert response.status_code == 200
        assert "Passwort sind falsch" in response.get_data(as_text=True)
    blocked = login(client, authority, "bert", PASSWORD)  # right password, but blocked now
    assert blocked.status_code == 429
    assert "Zu viele fehlgeschlagene" in blocked.get_data(as_text=True)
    assert client.get("/ui/aufgaben").status_code == 302


def test_rate_limit_is_shared_by_all_app_instances(authority, session_factory, backend):
    """The counter lives in the database: a second app (another web process) sees the failures."""
    from web import create_app

    ui_user(session_factory, authority, "carla")
    apps = [create_app({"DATABASE_URL": backend.database_url, "SECRET_KEY": "k", "TESTING": True}) for _ in range(2)]
    try:
        for number in range(5):
            login(apps[number % 2].test_client(), authority, "carla", "falsches-passwort")
        assert login(apps[0].test_client(), authority, "carla").status_code == 429
    finally:
        for app in apps:
            app.extensions["db_engine"].dispose()


def test_unknown_user_and_other_authority_cannot_log_in(client, authority, other_authority, session_factory):
    ui_user(session_factory, authority, "dora")
    assert "falsch" in login(client, other_authority, "dora").get_data(as_text=True)
    assert "falsch" in login(client, authority, "niemand").get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client, authority, session_factory):
    ui_user(session_factory, authority, "emil")
    response = client.post("/ui/anmelden", data={"behoerde": authority.slug, "benutzername": "emil", "passwort": PASSWORD})
    assert response.status_code == 400
    login(client, authority, "emil")
    assert client.post("/ui/abmelden").status_code == 400


def test_api_stays_exempt_from_csrf(client, authority):
    actor = authority.user("api-user")
    assert client.post("/api/v1/cases", json={"process_key": "fehlt", "data": {}}, headers=actor.headers).status_code == 404


def test_login_does_not_redirect_to_other_sites(client, authority, session_factory):
    ui_user(session_factory, authority, "fritz")
    page = client.get("/ui/anmelden")
    response = client.post("/ui/anmelden", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "behoerde": authority.slug, "benutzername": "fritz",
        "passwort": PASSWORD, "next": "//evil.example/x",
    })
    assert response.headers["Location"].endswith("/ui/aufgaben")
