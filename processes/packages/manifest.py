"""The package manifest (``manifest.json``): what a procedure is and what it needs from an authority.

Example::

    {
      "format": 1,
      "process": "gewerbeanmeldung",
      "name": "Gewerbeanmeldung",
      "version": "1.2.0",
      "leika": "99050012104000",
      "description": "Anzeige eines Gewerbes nach § 14 GewO",
      "publisher": "Landeshauptstadt Schwerin",
      "groups": [{"name": "Gewerbeamt", "description": "prüft die Anzeige"}],
      "roles": ["clerk"],
      "connectors": {
        "gewerberegister.eintragen": {"system": "gewerberegister", "method": "POST", "path": "/eintraege",
                                      "inputs": ["name", "taetigkeit"], "output": {"nummer": "/id"}}
      },
      "file_plan": {"code": "32.11", "title": "Gewerbeangelegenheiten", "retention_years": 10, "disposal": "V"},
      "templates": {
        "bescheinigung.html": {"title": "Gewerbeanmeldung – Empfangsbestätigung", "doc_type": "Bescheid",
                               "sample": {"name": "Erika Mustermann"}}
      }
    }

``connectors`` names every operation of a specialist system the process calls.
An entry with ``system`` declares the operation completely (method, path,
parameters, output mapping): an authority only configures where that system
is (its address and credentials). An entry without ``system`` is an operation
the authority configures in full in its connectors file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from eakte.models.dokument import DOCUMENT_TYPES
from engine.loader import ModelProblem
from processes.packages.problems import json_pointer, problem

MANIFEST = "manifest.json"
FORMAT = 1
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
OPERATION_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)+$"
SYSTEM_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
ROLES = ("admin", "modeller", "clerk", "supervisor")
DISPOSAL_CODES = ("A", "B", "V")

_TEXT = {"type": "string", "minLength": 1, "maxLength": 300}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "process", "name"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "process": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$"},
        "name": _TEXT,
        "version": {"type": "string", "pattern": r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,49}$"},
        "leika": {"type": "string", "pattern": r"^[0-9]{14}$"},
        "description": {"type": "string", "maxLength": 5000},
        "publisher": _TEXT,
        "groups": {
            "type": "array", "maxItems": 100,
            "items": {"type": "object", "required": ["name"], "additionalProperties": False,
                      "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
                                     "description": {"type": "string", "maxLength": 1000}}},
        },
        "roles": {"type": "array", "uniqueItems": True, "items": {"enum": list(ROLES)}},
        "connectors": {
            "type": "object", "maxProperties": 200,
            "propertyNames": {"pattern": OPERATION_PATTERN, "maxLength": 200},
            "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "dependentRequired": {"method": ["system"], "path": ["system"], "inputs": ["system"],
                                      "output": ["system"]},
                "properties": {
                    "title": _TEXT,
                    "system": {"type": "string", "pattern": SYSTEM_PATTERN},
                    "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                    "path": {"type": "string", "pattern": r"^/[^\s]*$", "maxLength": 500},
                    "inputs": {"type": "array", "uniqueItems": True, "maxItems": 100,
                               "items": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"}},
                    "output": {"type": "object", "maxProperties": 100,
                               "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"},
                               "additionalProperties": {"type": "string", "pattern": r"^(/[^/]*)*$",
                                                        "maxLength": 500}},
                },
            },
        },
        "file_plan": {
            "type": "object", "required": ["code", "title"], "additionalProperties": False,
            "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 40},
                           "title": _TEXT,
                           "retention_years": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 500},
                                                         {"const": "permanent"}]},
                           "disposal": {"enum": list(DISPOSAL_CODES)}},
        },
        "templates": {
            "type": "object", "maxProperties": 100,
            "propertyNames": {"pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.html$"},
            "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "properties": {"title": _TEXT, "doc_type": {"enum": list(DOCUMENT_TYPES)},
                               "description": {"type": "string", "maxLength": 1000},
                               "sample": {"type": "object"}},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


@dataclass(frozen=True)
class DeclaredOperation:
    """A connector operation the package declares: which system, how it is called, what it returns."""

    name: str
    system: str | None
    title: str | None = None
    method: str = "POST"
    path: str = ""
    inputs: tuple[str, ...] = ()
    output: dict[str, str] = field(default_factory=dict)

    @property
    def declared(self) -> bool:
        """Tell whether the package declares the call (else the authority's connectors file does)."""
        return self.system is not None


@dataclass(frozen=True)
class TemplateInfo:
    """What the manifest says about a document template."""

    title: str | None = None
    doc_type: str | None = None
    description: str | None = None
    sample: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """A checked manifest."""

    process: str
    name: str
    version: str | None = None
    leika: str | None = None
    description: str | None = None
    publisher: str | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    operations: dict[str, DeclaredOperation] = field(default_factory=dict)
    file_plan: dict | None = None
    templates: dict[str, TemplateInfo] = field(default_factory=dict)
    raw: dict = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Return the manifest as the bytes of a ``manifest.json`` (UTF-8, indented, keys in a stable order)."""
        return (json.dumps(self.raw, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_manifest(data: bytes) -> tuple[Manifest | None, list[ModelProblem]]:
    """Parse and check ``manifest.json``; return the manifest (None if unusable) and every problem found."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [problem(f"not UTF-8 text: {exc}", f"Die Datei ist kein UTF-8-Text: {exc.reason}.",
                              file=MANIFEST)]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [problem(f"not valid JSON: {exc.msg}", f"Kein gültiges JSON: {exc.msg} (Spalte {exc.colno}).",
                              file=MANIFEST, line=exc.lineno)]
    except RecursionError:
        return None, [problem("not valid JSON: nested too deeply", "Kein gültiges JSON: zu tief verschachtelt.",
                              file=MANIFEST)]
    problems = [_schema_problem(error) for error in sorted(_VALIDATOR.iter_errors(raw), key=lambda e: list(e.path))]
    if problems:
        return None, problems
    return from_dict(raw), []


def from_dict(raw: dict) -> Manifest:
    """Build a manifest from checked JSON data."""
    operations = {
        name: DeclaredOperation(name=name, system=spec.get("system"), title=spec.get("title"),
                                method=spec.get("method", "POST"), path=spec.get("path", ""),
                                inputs=tuple(spec.get("inputs", ())), output=dict(spec.get("output", {})))
        for name, spec in (raw.get("connectors") or {}).items()
    }
    templates = {
        name: TemplateInfo(title=spec.get("title"), doc_type=spec.get("doc_type"),
                           description=spec.get("description"), sample=spec.get("sample") or {})
        for name, spec in (raw.get("templates") or {}).items()
    }
    return Manifest(
        process=raw["process"], name=raw["name"], version=raw.get("version"), leika=raw.get("leika"),
        description=raw.get("description"), publisher=raw.get("publisher"),
        groups=tuple(group["name"] for group in raw.get("groups", ())), roles=tuple(raw.get("roles", ())),
        operations=operations, file_plan=raw.get("file_plan"), templates=templates, raw=raw,
    )


_GERMAN_TYPES = {"string": "Text", "object": "ein Objekt", "array": "eine Liste", "integer": "eine ganze Zahl",
                 "number": "eine Zahl", "boolean": "true oder false"}


def _schema_problem(error) -> ModelProblem:
    pointer = json_pointer(error.absolute_path)
    return problem(error.message, _german_schema_message(error), file=MANIFEST, pointer=pointer)


def _german_schema_message(error) -> str:
    """Say in German what a JSON Schema error means."""
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return f"Die Angabe „{missing[0] if missing else value[0]}“ fehlt."
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {}))) if isinstance(error.instance, dict) else []
        return f"Unbekannte Angabe „{', '.join(extra)}“."
    if kind == "type":
        return f"Muss {_GERMAN_TYPES.get(value, value)} sein."
    if kind == "const":
        return f"Muss {json.dumps(value)} sein."
    if kind == "enum":
        return f"Muss einer dieser Werte sein: {', '.join(str(v) for v in value)}."
    if kind == "pattern":
        return f"„{error.instance}“ hat nicht die erwartete Form."
    if kind == "propertyNames":
        return "Ein Name hat nicht die erwartete Form."
    if kind in ("minLength", "maxLength"):
        return f"Muss {'mindestens' if kind == 'minLength' else 'höchstens'} {value} Zeichen lang sein."
    if kind in ("minimum", "maximum"):
        return f"Muss {'mindestens' if kind == 'minimum' else 'höchstens'} {value} sein."
    if kind in ("maxItems", "maxProperties"):
        return f"Höchstens {value} Einträge."
    if kind == "uniqueItems":
        return "Ein Eintrag kommt doppelt vor."
    if kind == "dependentRequired":
        return "Mit „method“, „path“, „inputs“ oder „output“ muss auch „system“ angegeben sein."
    if kind == "oneOf":
        return "Muss eine ganze Zahl von 1 bis 500 oder \"permanent\" sein."
    return f"Ungültiger Wert ({error.message})."
