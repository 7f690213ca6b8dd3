"""Security headers on every answer of the UI and the API, kept in one place.

* ``Content-Security-Policy``: scripts, styles, images, fonts and fetches only
  from this origin (the UI's own scripts and bpmn-js from /ui/vendor), no inline
  scripts, no ``eval``, no plug-ins, forms only to this origin, never framed.
  Inline ``style`` attributes are allowed (``style-src-attr``: the bar widths of
  the key figures page); ``<style>`` elements are not. The editors' page gets
  :data:`EDITOR_POLICY`, which also allows ``<style>`` elements (the modelling libraries insert them).
* ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (a link
  address never leaves with its path, which may hold a delivery token).
* ``Cache-Control: no-store`` on UI pages and API answers, which hold personal
  data; static files (CSS, scripts) keep their caching.

Uploaded documents are served by their own views as attachments with
``nosniff`` and a ``sandbox`` policy (see :func:`document_download_headers`).
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "style-src-attr": ("'unsafe-inline'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
"""The policy of every page, directive by directive."""

EDITOR_POLICY: dict[str, tuple[str, ...]] = {**CONTENT_SECURITY_POLICY, "style-src": ("'self'", "'unsafe-inline'")}
"""The policy of the modelling editors' page: bpmn-js, form-js and dmn-js insert ``<style>`` elements while they
draw; scripts stay as strict as everywhere else."""

DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
"""The policy of an uploaded document: should a browser render it anyway, it runs nothing."""

_CACHEABLE_PREFIXES = ("/static/", "/ui/vendor/")


def policy_header(policy: dict[str, tuple[str, ...]] = CONTENT_SECURITY_POLICY) -> str:
    """Render a policy as the value of a ``Content-Security-Policy`` header."""
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def init_app(app: Flask) -> None:
    """Add the headers to every answer of ``app``."""
    page_policy = policy_header()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", page_policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith(_CACHEABLE_PREFIXES):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response


def editor_page_headers(response: Response) -> Response:
    """Give the answer of the editors' page the editor policy (inline ``<style>`` elements allowed)."""
    response.headers["Content-Security-Policy"] = policy_header(EDITOR_POLICY)
    return response


def document_download_headers(response: Response) -> Response:
    """Make an uploaded document's answer safe to open: sandboxed, never sniffed, never cached."""
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
