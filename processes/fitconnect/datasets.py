"""The data sets (Fachdaten) this installation understands, by schema URI, and what each becomes.

A submission's metadata names the schema of its data set
(``contentStructure.data.submissionSchema``). Each data set here belongs to
one procedure and reads the bytes into the start data of its case:

- XBau 2.6 building applications (``application/xml``, the XBau namespace as
  schema URI): read and validated against the official XSD by
  processes/baugenehmigung/xbau.py;
- JSON data sets of the civil status procedures, validated against the
  bundled JSON Schemas (schemas/, draft 2020-12, formats checked).

The hospital API (web/api/intake.py) validates its birth notifications with
the same schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from engine.errors import InvalidData
from processes.baugenehmigung import xbau

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
JSON = "application/json"
XML = "application/xml"


class DataSetInvalid(InvalidData):
    """The data set does not match its schema; ``details`` lists each problem (path or line, message)."""

    def __init__(self, message: str, details: list[dict]):
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class ReadDataSet:
    """What a data set becomes: the case's start data and subject; for XBau the parsed message."""

    case_data: dict
    subject: str
    xbau: xbau.XBauAntrag | None = None


@dataclass(frozen=True)
class DataSet:
    """A data set type: its schema URI and media type, the procedure it starts, a title for people."""

    schema_uri: str
    mime_type: str
    process_key: str
    title: str
    schema_file: str | None = None
    subject_of: object = field(default=None, compare=False)

    def read(self, data: bytes) -> ReadDataSet:
        """Parse and validate the data set.

        Raises:
            DataSetInvalid: not parseable or not valid against the schema (each problem listed).
        """
        if self.mime_type == XML:
            try:
                antrag = xbau.read_antrag(data)
            except xbau.XBauRejected as exc:
                raise DataSetInvalid(exc.message, exc.details) from exc
            return ReadDataSet(antrag.case_data, _building_subject(antrag.case_data), antrag)
        document = parse_json(data)
        validate_json(document, self.schema_file)
        case_data = {key: value for key, value in document.items() if key != "$schema"}
        return ReadDataSet(case_data, self.subject_of(case_data))


def parse_json(data: bytes) -> dict:
    """Parse a JSON data set (UTF-8, an object).

    Raises:
        DataSetInvalid: not UTF-8 JSON, not an object, nested too deeply, or with values no database stores
            (NaN, infinite numbers, NUL characters; the path of such a value is named).
    """
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise DataSetInvalid("the data set is not usable UTF-8 JSON", [{"path": "", "message": message}]) from exc
    if not isinstance(document, dict):
        raise DataSetInvalid("the data set must be a JSON object", [{"path": "", "message": "not an object"}])
    path = _nul_path(document)
    if path is not None:
        raise DataSetInvalid(f"{path} contains a NUL character (\\u0000), which cannot be stored",
                             [{"path": path, "message": "contains a NUL character"}])
    return document


def _nul_path(document) -> str | None:
    """The JSON path of the first key or text holding a NUL character, or None (walked without recursion)."""
    pending = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return path or "/"
        if isinstance(value, dict):
            for key, child in value.items():
                if "\x00" in key:
                    return f"{path}/{key!r}"
                pending.append((f"{path}/{key}", child))
        elif isinstance(value, list):
            pending.extend((f"{path}/{index}", child) for index, child in enumerate(value))
    return None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def validate_json(document: dict, schema_file: str) -> None:
    """Validate a JSON data set against a bundled schema.

    Raises:
        DataSetInvalid: with one entry per violation (JSON path and message), at most 50.
    """
    errors = sorted(_validator(schema_file).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        details = [{"path": "/" + "/".join(str(p) for p in error.absolute_path), "message": error.message}
                   for error in errors[:50]]
        raise DataSetInvalid(f"the data set does not match its schema ({len(errors)} problem(s))", details)


@lru_cache(maxsize=None)
def _validator(schema_file: str) -> Draft202012Validator:
    resources = []
    for path in SCHEMA_DIR.glob("*.schema.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    schema = json.loads((SCHEMA_DIR / schema_file).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=Registry().with_resources(resources),
                                format_checker=FormatChecker())


def _building_subject(data: dict) -> str:
    project = (data.get("vorhaben") or {}).get("description") or "Bauantrag"
    applicant = (data.get("antragsteller") or {}).get("name")
    return f"{project} ({applicant})"[:500] if applicant else project[:500]


def _name(person: dict | None) -> str:
    person = person or {}
    return " ".join(x for x in (person.get("given_names"), person.get("family_name")) if x)


def _birth_subject(data: dict) -> str:
    return f"Geburtsanzeige: Kind von {_name(data.get('mutter'))}, geboren am {data['kind']['birth_date']}"[:500]


def _marriage_subject(data: dict) -> str:
    return f"Anmeldung der Eheschließung: {_name(data.get('partner_1'))} und {_name(data.get('partner_2'))}"[:500]


GEBURTSANZEIGE = DataSet(
    "https://aktenfluss.de/schema/fim/geburtsanzeige/1.0.0/geburtsanzeige.schema.json", JSON, "geburt",
    "Geburtsanzeige", "geburtsanzeige-1.0.0.schema.json", _birth_subject)
EHESCHLIESSUNG = DataSet(
    "https://aktenfluss.de/schema/fim/eheschliessung-anmeldung/1.0.0/eheschliessung-anmeldung.schema.json", JSON,
    "eheschliessung", "Anmeldung der Eheschließung", "eheschliessung-anmeldung-1.0.0.schema.json", _marriage_subject)
BAUANTRAG_XBAU = DataSet(xbau.XBAU_NS, XML, "baugenehmigung", "Bauantrag (XBau 2.6, Nachricht 0200)")

DATA_SETS = (BAUANTRAG_XBAU, GEBURTSANZEIGE, EHESCHLIESSUNG)


def data_set(schema_uri: str, mime_type: str) -> DataSet | None:
    """The data set type with this schema URI and media type, or None if it is not understood here."""
    return next((d for d in DATA_SETS if d.schema_uri == schema_uri and d.mime_type == mime_type), None)
