"""Configuration: defaults, overridden by AKTENFLUSS_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("AKTENFLUSS_INSTANCE_DIR", "instance")).resolve()


def defaults() -> dict:
    """Return the default settings (embedded: SQLite file and a local directory)."""
    return {
        "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'aktenfluss.db'}",
        "STORAGE_URL": str(INSTANCE_DIR / "documents"),
        "SECRET_KEY": None,
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
        "SCRIPT_TIME_LIMIT": 1.0,
        "API_TITLE": "Aktenfluss API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "Process engine and electronic case file (E-Akte) for public administration."},
        },
    }


def load(overrides: dict | None = None) -> dict:
    """Merge defaults, AKTENFLUSS_* environment variables and explicit overrides."""
    settings = defaults()
    for key in settings:
        env_value = os.environ.get(f"AKTENFLUSS_{key}")
        if env_value is not None:
            settings[key] = type(settings[key])(env_value) if isinstance(settings[key], (int, float)) else env_value
    settings.update(overrides or {})
    return settings
