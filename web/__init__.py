"""The Flask application: REST API under /api/v1 (OpenAPI) and the German UI under /ui."""

from __future__ import annotations

import secrets

from flask import Flask
from flask_smorest import Api

from web import access_log, auth, config, database, engine_context, portal, request_guard, security_headers, ui
from web.api import (
    absences, admin_log, authorities, case_operations, cases, definitions, delivery, disposal, errors, file_plan, files,
    fitconnect, groups, incidents, intake, messages, packages, payments, tasks, users,
)


def create_app(overrides: dict | None = None) -> Flask:
    """Create the app. No side effects: no migrations, no network calls."""
    app = Flask(__name__)
    app.config.update(config.load(overrides))
    if not app.config["SECRET_KEY"]:
        # Without a configured key, UI sessions do not survive a restart; the API uses tokens.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    database.init_app(app)
    request_guard.init_app(app)
    security_headers.init_app(app)
    access_log.init_app(app)
    engine_context.init_app(app)
    auth.init_app(app)
    api = Api(app)
    errors.init_app(app)
    api_blueprints = (
        definitions.blp, cases.blp, tasks.blp, files.blp, file_plan.blp, messages.blp, incidents.blp,
        case_operations.blp, intake.blp, delivery.blp, disposal.blp, packages.blp, users.blp, users.me_blp, groups.blp,
        absences.blp, authorities.blp, admin_log.blp, fitconnect.blp, payments.blp,
    )
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    ui.init_app(app, api_blueprints=api_blueprints)
    portal.init_app(app)
    return app
