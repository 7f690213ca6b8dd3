"""Errors the engine raises for callers to turn into clear answers.

Each carries a message meant for the person who caused it; the web layer
maps them to HTTP status codes (see web/api/errors.py).
"""


class EngineError(Exception):
    """Base class; ``status`` is the HTTP status that fits best."""

    status = 400

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(EngineError):
    """The object does not exist or belongs to another authority."""

    status = 404


class Forbidden(EngineError):
    """The user may not do this."""

    status = 403


class Conflict(EngineError):
    """The object's state does not allow this (e.g. task already completed)."""

    status = 409


class InvalidData(EngineError):
    """Submitted data does not satisfy the task's form or the request schema."""

    status = 422


class ExecutionFailed(EngineError):
    """A step of the model failed (script error, service call error)."""

    status = 422


class CaseNotActive(Conflict):
    """The case is suspended or has ended, so its tasks cannot be worked on; ``case_status`` says which."""

    def __init__(self, message: str, case_status: str):
        super().__init__(message, {"case_status": case_status})
        self.case_status = case_status
