"""Odd input for every route of a part of the web app: what the UI tests and the portal tests send.

Each route under a prefix is called with its path filled with ids of real
objects and with ids of none; GET with odd query values, POST with a valid
CSRF token and every form field the UI reads set to an odd value (empty, too
long, control characters, a wrong type, an impossible date) plus odd files.
The requests come from an address of their own, so the failed sign-ins they
make do not throttle other tests' sign-ins.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

ODD_VALUES = ("", "x" * 5000, "\x00\x1f<script>", "-1", "1e309", "2026-13-45", "ünïcødé ✓", "[]", "{")
ODD_ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}  # TEST-NET-2: counted apart from the other tests' 127.0.0.1
FIELD_NAMES_READ = re.compile(r"""(?:form|args)\.(?:get|getlist)\(\s*f?["']([a-z_]+)""")
FILE_FIELDS = ("datei", "dateien", "anlagen", "file", "paket", "attachment", "message")


def field_names() -> list[str]:
    """The names of the form fields and query parameters the UI and the portal read (from their source)."""
    root = Path(__file__).resolve().parents[2] / "web"
    names = set()
    for source in [*root.glob("ui/**/*.py"), *root.glob("portal/**/*.py")]:
        names.update(FIELD_NAMES_READ.findall(source.read_text(encoding="utf-8")))
    return sorted(names)


def server_errors(app, client, prefix: str, real: dict, token: str, skipped: set[str]) -> list[str]:
    """Call every route under ``prefix`` (but the ``skipped`` endpoints) with odd input; return the 5xx answers."""
    fields = field_names()
    failures = []
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix) and rule.endpoint not in skipped]
    for rule in sorted(rules, key=lambda r: r.rule):
        for path in _paths(rule, real):
            if "GET" in rule.methods:
                for value in ODD_VALUES[:4]:
                    answer = client.get(path, query_string={name: value for name in fields}, environ_base=ODD_ADDRESS)
                    if answer.status_code >= 500:
                        failures.append(f"GET {path} {value[:20]!r}: {answer.status_code}")
            if "POST" in rule.methods:
                for value in ODD_VALUES:
                    data = {name: value for name in fields} | {"csrf_token": token}
                    data |= {name: (io.BytesIO(value.encode()), "odd.pdf") for name in FILE_FIELDS}
                    answer = client.post(path, data=data, content_type="multipart/form-data", environ_base=ODD_ADDRESS)
                    if answer.status_code >= 500:
                        failures.append(f"POST {path} {value[:20]!r}: {answer.status_code}")
    return failures


def _paths(rule, real: dict) -> list[str]:
    """The rule's path with real ids, and with ids of nothing."""
    paths = []
    for choice in ("real", "none"):
        values = {}
        for name in rule.arguments:
            if choice == "real" and real.get(name):
                values[name] = real[name]
            else:
                values[name] = "1" if rule._converters[name].__class__.__name__ == "IntegerConverter" else "gibt-es-nicht"
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", str(value), path)
        paths.append(path)
    return paths
