"""The German web UI (server-rendered, progressive enhancement)."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf

from web.ui import assets, formatting, auth, cases, inbox, kpi, modeller, supervisor, tasks
from web.ui.common import ui_user

csrf = CSRFProtect()

BLUEPRINTS = (auth.bp, inbox.bp, tasks.bp, cases.bp, modeller.bp, supervisor.bp, kpi.bp, assets.bp)


def init_app(app: Flask, api_blueprints=()) -> None:
    """Register the UI: secure session cookies, CSRF protection (the token API exempt) and the blueprints."""
    app.config.setdefault("SESSION_COOKIE_SECURE", os.environ.get("AKTENFLUSS_SESSION_COOKIE_SECURE", "") == "1")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=8))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    app.add_template_filter(formatting.datum, "datum")
    app.add_template_filter(formatting.datumzeit, "datumzeit")
    app.add_template_filter(formatting.zahl, "zahl")

    @app.context_processor
    def _ui_globals():
        return {"current_user": ui_user, "csrf_token": generate_csrf}
