"""Turn domain errors into JSON answers (same shape as flask-smorest's)."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from eakte.errors import EakteError
from eakte.storage import StorageUnavailable
from engine.errors import EngineError
from engine.loader import ModelValidationError


def error_response(status: int, message: str, errors: dict | list | None = None):
    """Build a JSON error response."""
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers (after flask-smorest's Api, whose HTTP error handler this one replaces)."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # flask-smorest's handler leaves out the message unless abort() got one (a 404 of the URL map, a 405,
        # a 413 had none); every error answer here says what is wrong.
        data = getattr(exc, "data", None) or {}
        response = error_response(exc.code, data.get("message") or exc.description or exc.name,
                                  data.get("errors") or data.get("messages"))
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        response.headers.update(data.get("headers") or {})
        return response

    @app.errorhandler(EngineError)
    def _engine_error(exc: EngineError):
        return error_response(exc.status, exc.message, exc.details or None)

    @app.errorhandler(EakteError)
    def _eakte_error(exc: EakteError):
        return error_response(exc.status, exc.message, exc.details or None)

    @app.errorhandler(StorageUnavailable)
    def _storage_down(exc: StorageUnavailable):
        return error_response(503, "the document storage is not available; nothing was changed, please retry later")

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):
        return error_response(503, "the database is not available; please retry later")

    @app.errorhandler(ModelValidationError)
    def _model_error(exc: ModelValidationError):
        problems = [
            {"message": p.message, "element_id": p.element_id, "line": p.line, "file": p.file,
             **({"pointer": p.pointer} if p.pointer else {})} for p in exc.problems
        ]
        return error_response(422, f"the model is not valid: {len(problems)} problem(s) found", problems)
