"""The engine context and document store of an app or a command (built once, from the settings)."""

from flask import Flask, current_app

from eakte.siegel import Sealer
from eakte.storage import DocumentStore, open_store
from engine.case_data import DataLimits
from engine.runner import EngineContext
from processes.casework import EngineLimits, build_context


def context_from_settings(settings: dict) -> tuple[EngineContext, DocumentStore]:
    """Build the document store, the seal and the engine context the settings describe (nothing is contacted)."""
    store = open_store(settings["STORAGE_URL"])
    sealer = Sealer.from_config(settings)
    ctx = build_context(store=lambda: store, sealer=lambda: sealer, public_base_url=settings["PUBLIC_BASE_URL"],
                        script_time_limit=float(settings["SCRIPT_TIME_LIMIT"]), limits=limits_from_settings(settings))
    return ctx, store


def limits_from_settings(settings: dict) -> EngineLimits:
    """The script and data limits the settings describe."""
    return EngineLimits(
        script_memory_limit=int(settings["SCRIPT_MEMORY_LIMIT"]), script_processes=int(settings["SCRIPT_PROCESSES"]),
        data=DataLimits(case_data_bytes=int(settings["CASE_DATA_MAX_BYTES"]),
                        task_result_bytes=int(settings["TASK_RESULT_MAX_BYTES"])),
    )


def init_app(app: Flask) -> None:
    """Build the document store and the engine context for this app."""
    ctx, store = context_from_settings(app.config)
    app.extensions["document_store"] = store
    app.extensions["engine_context"] = ctx


def engine_context() -> EngineContext:
    """Return the current app's engine context."""
    return current_app.extensions["engine_context"]


def document_store() -> DocumentStore:
    """Return the current app's document store."""
    return current_app.extensions["document_store"]
