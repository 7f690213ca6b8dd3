"""The engine context and document store of an app or a command (built once, from the settings)."""

from flask import Flask, current_app

from eakte.siegel import Sealer
from eakte.storage import DocumentStore, open_store
from engine.case_data import DataLimits
from engine.runner import EngineContext
from processes.casework import EngineLimits, build_context
from processes.online import OnlineServices


def services_from_settings(settings: dict) -> tuple[EngineContext, DocumentStore, OnlineServices]:
    """Build store, seal, engine context and the online services' configuration (nothing is contacted)."""
    store = open_store(settings["STORAGE_URL"])
    sealer = Sealer.from_config(settings)
    online = OnlineServices.from_env()
    ctx = build_context(store=lambda: store, sealer=lambda: sealer, public_base_url=settings["PUBLIC_BASE_URL"],
                        script_time_limit=float(settings["SCRIPT_TIME_LIMIT"]), limits=limits_from_settings(settings),
                        online=online)
    return ctx, store, online


def context_from_settings(settings: dict) -> tuple[EngineContext, DocumentStore]:
    """Build the document store, the seal and the engine context the settings describe (nothing is contacted)."""
    ctx, store, _online = services_from_settings(settings)
    return ctx, store


def limits_from_settings(settings: dict) -> EngineLimits:
    """The script and data limits the settings describe."""
    return EngineLimits(
        script_memory_limit=int(settings["SCRIPT_MEMORY_LIMIT"]), script_processes=int(settings["SCRIPT_PROCESSES"]),
        data=DataLimits(case_data_bytes=int(settings["CASE_DATA_MAX_BYTES"]),
                        task_result_bytes=int(settings["TASK_RESULT_MAX_BYTES"])),
    )


def init_app(app: Flask) -> None:
    """Build the document store, the engine context and the online services' configuration for this app."""
    ctx, store, online = services_from_settings(app.config)
    app.extensions["document_store"] = store
    app.extensions["engine_context"] = ctx
    app.extensions["online_services"] = online


def engine_context() -> EngineContext:
    """Return the current app's engine context."""
    return current_app.extensions["engine_context"]


def document_store() -> DocumentStore:
    """Return the current app's document store."""
    return current_app.extensions["document_store"]


def online_services() -> OnlineServices:
    """Return the current app's FIT-Connect and payment configuration."""
    return current_app.extensions["online_services"]
