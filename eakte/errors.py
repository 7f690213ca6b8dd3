"""Errors of the E-Akte, with the HTTP status that fits (mapped by the web layer)."""


class EakteError(Exception):
    """A request the file cannot fulfil; ``status`` is the HTTP status that fits."""

    status = 422

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(EakteError):
    """No such file, document or version in the user's authority."""

    status = 404


class FileClosed(EakteError):
    """The file is closed (zdA) and therefore read-only."""

    status = 409


class AccessDenied(EakteError):
    """The user may not open this document (confidentiality, role)."""

    status = 403


class NotDeliverable(EakteError):
    """This document or version cannot be delivered (not an outgoing notice, or destroyed)."""

    status = 422


class UnsupportedContent(EakteError):
    """Uploaded content is rejected (type not allowed, damaged PDF, too large)."""

    status = 422
