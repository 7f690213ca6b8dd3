"""The KERN-UX stylesheet and its font, served from the npm package (node_modules), never copied."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, send_from_directory

from web.portal.common import bp

_ALLOWED = re.compile(r"^(kern\.min\.css|fonts/fira-sans\.css|fonts/fira-sans/FiraSans-[A-Za-z]+\.woff2)$")


@bp.get("/vendor/<path:name>")
def vendor(name: str):
    """Serve KERN's stylesheet and Fira Sans (only those files)."""
    if not _ALLOWED.match(name):
        abort(404)
    path = Path(current_app.config["NODE_MODULES_DIR"]) / "@kern-ux" / "native" / "dist" / name
    if not path.is_file():
        abort(404)
    return send_from_directory(path.parent, path.name, max_age=3600)
