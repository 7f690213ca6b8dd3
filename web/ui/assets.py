"""Browser libraries from the npm packages (node_modules), served without copying them into the repository."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("ui_assets", __name__, url_prefix="/ui/vendor")

# Single files served by name: the diagram viewer of bpmn-js and its stylesheets.
FILES = {
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-viewer.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
}

# Whole distribution folders served under a prefix, limited to these file types. KERN-UX's stylesheets
# refer to their fonts by relative paths (fonts/fira-sans/*.woff2), so the folder keeps its layout.
FOLDERS = {
    "kern": ("@kern-ux/native/dist", {".css", ".woff2"}),
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
    return _send(node_modules() / relative, relative)


@bp.get("/<folder>/<path:name>")
def vendor_folder(folder: str, name: str):
    """Serve a file of an allowed distribution folder (e.g. KERN-UX's CSS and fonts)."""
    if folder not in FOLDERS:
        abort(404)
    base, suffixes = FOLDERS[folder]
    relative = PurePosixPath(name)
    if relative.suffix not in suffixes or ".." in relative.parts or relative.is_absolute():
        abort(404)
    return _send(node_modules() / base / relative, f"{base}/{relative}")


def _send(path: Path, relative: str):
    if not path.is_file():
        abort(404, description=f"{relative} is missing: run 'npm ci' in the repository root")
    return send_from_directory(path.parent, path.name, max_age=3600)
