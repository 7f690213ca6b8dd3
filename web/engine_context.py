"""Access to the application's engine context (built once per app)."""

from flask import Flask, current_app

from engine.runner import EngineContext
from processes.casework import build_context


def init_app(app: Flask) -> None:
    """Build the engine context for this app."""
    app.extensions["engine_context"] = build_context(script_time_limit=float(app.config["SCRIPT_TIME_LIMIT"]))


def engine_context() -> EngineContext:
    """Return the current app's engine context."""
    return current_app.extensions["engine_context"]
