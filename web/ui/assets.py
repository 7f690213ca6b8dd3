"""Browser libraries from the npm packages (node_modules), served without copying them into the repository."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("ui_assets", __name__, url_prefix="/ui/vendor")

# Only these files are served: the diagram viewer of bpmn-js and its stylesheets.
FILES = {
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-viewer.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
}


def node_modules() -> Path:
    """Return the node_modules directory (setting NODE_MODULES_DIR, default: the repository root's)."""
    return Path(current_app.config["NODE_MODULES_DIR"])


@bp.get("/<name>")
def vendor(name: str):
    """Serve one of the allowed library files."""
    relative = FILES.get(name)
    if relative is None:
        abort(404)
    path = node_modules() / relative
    if not path.is_file():
        abort(404, description=f"{relative} is missing: run 'npm ci' in the repository root")
    return send_from_directory(path.parent, path.name, max_age=3600)
