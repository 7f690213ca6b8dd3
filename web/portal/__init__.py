"""The applicant portal under /buerger: sign in with the eID broker, follow one's cases, hand in, pay, fetch notices.

Server-rendered German pages in KERN-UX markup that work without JavaScript.
"""

from __future__ import annotations

from flask import Flask

from processes.payment.rules import euro
from web.portal import cases, marriage, payment, signin  # noqa: F401  (register their routes on bp)
from web.portal.common import applicant, bp


def init_app(app: Flask) -> None:
    """Register the portal's blueprint, its sign-in provider and its template helpers."""
    signin.init_app(app)
    app.register_blueprint(bp)
    app.add_template_filter(euro, "euro")

    @app.context_processor
    def _portal_globals():
        return {"portal_applicant": applicant}
