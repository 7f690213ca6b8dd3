"""The OpenAPI document of the REST API, as committed in web/api/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path

COMMITTED = Path(__file__).with_name("openapi.json")


def openapi_json() -> str:
    """Render the API's OpenAPI document as stable, pretty JSON."""
    from web import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "STORAGE_URL": "/nonexistent", "SECRET_KEY": "openapi"})
    with app.app_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
