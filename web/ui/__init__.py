"""The German web UI (server-rendered, progressive enhancement)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf

from web.ui import (account, assets, auth, case_actions, case_search, cases, editor, files, formatting, inbox, incidents, kasse,
                    kpi, model_messages, modeller, oidc, online_intake, people, posteingang, procedures, start,
                    tasks, vertretung)
from web.ui.verwaltung import BLUEPRINTS as ADMIN_BLUEPRINTS
from web.ui.common import ui_user

csrf = CSRFProtect()

BLUEPRINTS = (auth.site_bp, auth.bp, oidc.bp, inbox.bp, tasks.bp, cases.bp, case_actions.bp, files.bp, posteingang.bp,
              online_intake.bp, kasse.bp, start.bp, modeller.bp, editor.bp, procedures.bp, case_search.bp, incidents.bp,
              kpi.bp, assets.bp, account.bp, vertretung.bp, *ADMIN_BLUEPRINTS)


def init_app(app: Flask, api_blueprints=()) -> None:
    """Register the UI: session cookies, CSRF protection (the token API exempt), OpenID Connect and the blueprints.

    SESSION_COOKIE_SECURE and the OIDC_* settings come from app.config (web/config.py).
    """
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=8))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    oidc.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    app.add_template_filter(formatting.datum, "datum")
    app.add_template_filter(formatting.datumzeit, "datumzeit")
    app.add_template_filter(formatting.zahl, "zahl")
    app.add_template_filter(formatting.groesse, "groesse")
    app.add_template_filter(formatting.kanal, "kanal")
    app.add_template_filter(formatting.prioritaet, "prioritaet")
    app.add_template_filter(formatting.eintraege, "eintraege")
    app.add_template_filter(formatting.kalenderwoche, "kalenderwoche")
    app.add_template_filter(files.opens_inline, "im_browser")
    app.add_template_filter(model_messages.german, "modellmeldung")
    app.add_template_filter(people.person, "person")

    @app.context_processor
    def _ui_globals():
        return {"current_user": ui_user, "csrf_token": generate_csrf,
                "substitution_summary": vertretung.substitution_summary}
