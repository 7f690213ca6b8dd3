"""Access to the application's engine context and document store (built once per app)."""

from flask import Flask, current_app

from eakte.storage import DocumentStore, open_store
from engine.runner import EngineContext
from processes.casework import build_context


def init_app(app: Flask) -> None:
    """Build the document store and the engine context for this app (nothing is contacted yet)."""
    store = open_store(app.config["STORAGE_URL"])
    app.extensions["document_store"] = store
    app.extensions["engine_context"] = build_context(
        store=lambda: store, script_time_limit=float(app.config["SCRIPT_TIME_LIMIT"])
    )


def engine_context() -> EngineContext:
    """Return the current app's engine context."""
    return current_app.extensions["engine_context"]


def document_store() -> DocumentStore:
    """Return the current app's document store."""
    return current_app.extensions["document_store"]
