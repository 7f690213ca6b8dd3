"""Refuse NUL characters in a request's URL, query, form fields and file names, for the API and the UI alike.

A multipart part without a name (``Content-Disposition: form-data`` alone) is
refused too: it cannot be a field of any form, and werkzeug would hand it on
with the name ``None``.

PostgreSQL cannot store or even compare text containing NUL (U+0000): a
``%00`` in an id, a search term or a note would otherwise end in a database
error (500). No legitimate input holds one, so such a request is answered 400
before any view runs. JSON bodies are checked where they are parsed
(web/api/blueprint.py).
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

NUL = "\0"


def init_app(app: Flask) -> None:
    """Check every request before its view runs."""
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    """Abort with 400 if the path, a query or form parameter or an uploaded file's name holds a NUL character."""
    if NUL in request.path:
        _refuse("the URL path")
    if _holds_nul(request.args.items(multi=True)):
        _refuse("a query parameter")
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if None in request.form or None in request.files:
            raise UnnamedFormPart("a part of the form data has no name (Content-Disposition: form-data; name=...)")
        if _holds_nul(request.form.items(multi=True)):
            _refuse("a form field")
        if any(NUL in (upload.filename or "") for upload in request.files.values()):
            _refuse("the name of an uploaded file")


def _holds_nul(items) -> bool:
    return any(NUL in key or NUL in value for key, value in items)


class UnnamedFormPart(BadRequest):
    """A multipart body holds a part without a name (400)."""


class NulCharacter(BadRequest):
    """A request holds a NUL character (400); the UI shows it in German."""


def _refuse(where: str):
    raise NulCharacter(f"{where} contains a NUL character (\\u0000), which cannot be stored")
