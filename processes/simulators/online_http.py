"""What the applicant-side simulators share: JSON answers, the admin key, routing, the test environment's pages."""

from __future__ import annotations

import hmac
import json

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

_PAGE_STYLE = ("body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
               "color:#1b1b1b}header{border-bottom:4px solid %s;margin-bottom:1rem}fieldset{border:1px solid #767676}"
               "button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}"
               ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}")


def json_response(body, status: int = 200, mimetype: str = "application/json") -> Response:
    """A JSON answer (UTF-8, no ASCII escaping)."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


def has_admin_key(request: Request, admin_key: str) -> bool:
    """True if the request carries the simulator's admin key in ``X-API-Key`` (compared in constant time)."""
    return hmac.compare_digest(request.headers.get("X-API-Key", ""), admin_key)


def simulator_page(title: str, body: str, *, service: str, accent: str, style: str = "", status: int = 200) -> Response:
    """A German HTML page of a simulated service, headed "<service> (Testumgebung)".

    Args:
        body: the page's HTML below the heading (escaped by the caller).
        accent: CSS colour of the header's rule, telling the services apart.
        style: CSS the page needs besides the common rules.
    """
    document = (f'<!doctype html><html lang="de"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – '
                f'{service} (Test)</title><style>{_PAGE_STYLE % accent}{style}</style></head><body><header><p>'
                f'{service} (Testumgebung)</p></header><main><h1>{title}</h1>{body}</main></body></html>')
    return Response(document, status=status, mimetype="text/html")


class RoutedApp:
    """A WSGI app that hands each request to the method ``_<endpoint>`` its route names.

    Subclasses set ``routes`` and ``not_found`` (the JSON body of the 404
    answer to an unknown path or method).
    """

    routes: Map
    not_found: dict

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
        except HTTPException:  # NotFound, MethodNotAllowed
            return json_response(self.not_found, 404)(environ, start_response)
        return getattr(self, f"_{endpoint}")(request, **args)(environ, start_response)
