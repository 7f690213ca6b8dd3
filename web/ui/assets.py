"""Browser libraries from the npm packages (node_modules), served without copying them into the repository.

Only the files listed here are served: the prebuilt distribution bundles of
bpmn-js (viewer and modeler), the form-js editor and dmn-js with their
stylesheets and icon fonts, the Zeebe moddle descriptor, KERN-UX's stylesheets
and fonts, and the one file the project bundles itself: the bpmnlint
integration of the BPMN editor, built by ``npm run build`` (web/editor/lint.js
-> node_modules/.aktenfluss-build/; run by scripts/test and scripts/run-demo
after ``npm ci``, never committed).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("ui_assets", __name__, url_prefix="/ui/vendor")

_BPMN_FONT = {f"bpmn-font/font/bpmn.{ext}": f"bpmn-js/dist/assets/bpmn-font/font/bpmn.{ext}"
              for ext in ("eot", "svg", "ttf", "woff", "woff2")}
_DMN_FONT = {f"dmn-font/font/dmn.{ext}": f"dmn-js/dist/assets/dmn-font/font/dmn.{ext}"
             for ext in ("eot", "svg", "ttf", "woff", "woff2")}
_DMN_CSS = {f"dmn/{name}.css": f"dmn-js/dist/assets/{name}.css" for name in (
    "diagram-js", "dmn-js-shared", "dmn-js-drd", "dmn-js-decision-table", "dmn-js-decision-table-controls",
    "dmn-js-literal-expression", "dmn-js-boxed-expression", "dmn-js-boxed-expression-controls")}
_FORM_CSS = {f"form/{name}.css": f"@bpmn-io/form-js/dist/assets/{name}.css" for name in (
    "form-js", "form-js-editor", "properties-panel", "draggle")}

FILES = {
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-viewer.production.min.js",
    "bpmn-modeler.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "bpmn-font/css/bpmn.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    **_BPMN_FONT,
    "bpmn-js-bpmnlint.css": "bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css",
    "aktenfluss-lint.js": ".aktenfluss-build/aktenfluss-lint.js",
    "zeebe.json": "zeebe-bpmn-moddle/resources/zeebe.json",
    "form-editor.js": "@bpmn-io/form-js/dist/form-editor.umd.js",
    **_FORM_CSS,
    "dmn-modeler.js": "dmn-js/dist/dmn-modeler.production.min.js",
    "dmn-font/css/dmn.css": "dmn-js/dist/assets/dmn-font/css/dmn.css",
    **_DMN_FONT,
    **_DMN_CSS,
}

# Whole distribution folders served under a prefix, limited to these file types. KERN-UX's stylesheets
# refer to their fonts by relative paths (fonts/fira-sans/*.woff2), so the folder keeps its layout.
FOLDERS = {
    "kern": ("@kern-ux/native/dist", {".css", ".woff2"}),
}


def node_modules() -> Path:
    """Return the node_modules directory (setting NODE_MODULES_DIR, default: the repository root's)."""
    return Path(current_app.config["NODE_MODULES_DIR"])


@bp.get("/<path:name>")
def vendor(name: str):
    """Serve one of the allowed library files, or a file of an allowed distribution folder."""
    relative = FILES.get(name)
    if relative is not None:
        return _send(node_modules() / relative, relative)
    folder, _, rest = name.partition("/")
    if folder not in FOLDERS or not rest:
        abort(404)
    base, suffixes = FOLDERS[folder]
    path = PurePosixPath(rest)
    if path.suffix not in suffixes or ".." in path.parts or path.is_absolute():
        abort(404)
    return _send(node_modules() / base / path, f"{base}/{path}")


def _send(path: Path, relative: str):
    if not path.is_file():
        hint = "run 'npm run build'" if relative.startswith(".aktenfluss-build") else "run 'npm ci'"
        abort(404, description=f"{relative} is missing: {hint} in the repository root")
    return send_from_directory(path.parent, path.name, max_age=3600)
