"""The file plan (Aktenplan): load, edit, and map processes to units."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.errors import EakteError, NotFound
from eakte.models import FilePlanUnit, ProcessUnitMapping
from eakte.models.aktenplan import CONFIDENTIALITY_LEVELS, DISPOSAL_CODES
from engine.db import utcnow

DEFAULT_MAPPING = "*"
"""Process key of an authority's default mapping, used for processes without their own."""
_CODE_LENGTH = FilePlanUnit.__table__.c.code.type.length
_TITLE_LENGTH = FilePlanUnit.__table__.c.title.type.length
_PROCESS_KEY_LENGTH = ProcessUnitMapping.__table__.c.process_key.type.length


def parse_file_plan(text: str, filename: str = "plan.yaml") -> dict:
    """Parse a file plan document (YAML or JSON) and check its structure.

    Expected shape::

        units:
          - {code: "63.01", title: "Baugenehmigungen", retention_years: 30, disposal: A}
        processes:
          baugenehmigung: "63.01"
          "*": "00.01"          # optional default for all other processes
    """
    kind = "JSON" if filename.endswith(".json") else "YAML"
    try:
        data = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: also an integer with too many digits
        raise EakteError(f"file plan is not valid {kind}: {exc}") from exc
    except RecursionError as exc:
        raise EakteError(f"file plan is not valid {kind}: nested too deeply") from exc
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise EakteError("file plan must be a mapping with a list 'units'")
    codes = set()
    for index, unit in enumerate(data["units"]):
        where = f"units[{index}]"
        if not isinstance(unit, dict):
            raise EakteError(f"{where} must be a mapping")
        _check_unit(unit, where)
        if unit["code"] in codes:
            raise EakteError(f"{where}: code '{unit['code']}' appears twice")
        codes.add(unit["code"])
    processes = data.get("processes") or {}
    if not isinstance(processes, dict):
        raise EakteError("'processes' must map process keys to unit codes")
    for key, code in processes.items():
        try:
            check_process_key(key)
        except EakteError as exc:
            raise EakteError(f"'processes': {exc.message}") from exc
        if not isinstance(code, str) or code not in codes:
            raise EakteError(f"process '{key}' is mapped to unknown unit '{code}'")
    return {"units": data["units"], "processes": processes}


def _check_unit(unit: dict, where: str) -> None:
    for field in ("code", "title", "disposal"):
        if not isinstance(unit.get(field), str) or not unit[field].strip():
            raise EakteError(f"{where}: '{field}' is required text")
    for field, max_length in (("code", _CODE_LENGTH), ("title", _TITLE_LENGTH)):
        if len(unit[field]) > max_length or "\0" in unit[field]:
            raise EakteError(f"{where}: '{field}' must be at most {max_length} characters, without NUL characters")
    if unit["disposal"] not in DISPOSAL_CODES:
        raise EakteError(f"{where}: disposal must be one of {', '.join(DISPOSAL_CODES)}")
    years = unit.get("retention_years")
    if not (years == "permanent" or (isinstance(years, int) and not isinstance(years, bool) and 0 < years <= 500)):
        raise EakteError(f"{where}: retention_years must be 1-500 or 'permanent'")
    level = unit.get("confidentiality", "intern")
    if level not in CONFIDENTIALITY_LEVELS:
        raise EakteError(f"{where}: confidentiality must be one of {', '.join(CONFIDENTIALITY_LEVELS)}")


def load_file_plan(session: Session, authority_id: str, plan: dict) -> list[FilePlanUnit]:
    """Create or update the units and mappings of a parsed plan; units are never deleted."""
    existing = {u.code: u for u in session.scalars(select(FilePlanUnit).where(FilePlanUnit.authority_id == authority_id))}
    units = []
    for entry in plan["units"]:
        unit = existing.get(entry["code"]) or FilePlanUnit(authority_id=authority_id, code=entry["code"])
        unit.title = entry["title"]
        unit.retention_years = None if entry["retention_years"] == "permanent" else entry["retention_years"]
        unit.disposal_code = entry["disposal"]
        unit.confidentiality = entry.get("confidentiality", "intern")
        unit.updated_at = utcnow()
        session.add(unit)
        units.append(unit)
    session.flush()
    by_code = {u.code: u for u in units} | existing
    for process_key, code in plan["processes"].items():
        map_process(session, authority_id, process_key, by_code[code])
    return units


def save_unit(session: Session, authority_id: str, entry: dict) -> FilePlanUnit:
    """Create or change one unit (``entry`` as in a plan document: code, title, retention_years, disposal,
    confidentiality); its code never changes, because the file numbers of its files contain it."""
    _check_unit(entry, f"unit '{str(entry.get('code'))[:_CODE_LENGTH]}'")
    return load_file_plan(session, authority_id, {"units": [entry], "processes": {}})[0]


def get_unit(session: Session, authority_id: str, code: str) -> FilePlanUnit:
    """Return the authority's unit with ``code`` or raise NotFound."""
    unit = session.scalar(select(FilePlanUnit).where(FilePlanUnit.authority_id == authority_id,
                                                     FilePlanUnit.code == code))
    if unit is None:
        raise NotFound(f"no file plan unit '{code}'")
    return unit


def check_process_key(process_key) -> str:
    """Return a process key fit for a mapping, or raise EakteError."""
    if not isinstance(process_key, str) or not 0 < len(process_key) <= _PROCESS_KEY_LENGTH or "\0" in process_key:
        raise EakteError(f"the process key {str(process_key)[:50]!r} must be text of 1-{_PROCESS_KEY_LENGTH} "
                         "characters, without NUL characters")
    return process_key


def map_process(session: Session, authority_id: str, process_key: str, unit: FilePlanUnit) -> None:
    """File the cases of ``process_key`` under ``unit`` from now on."""
    mapping = session.scalar(
        select(ProcessUnitMapping).where(
            ProcessUnitMapping.authority_id == authority_id, ProcessUnitMapping.process_key == process_key
        )
    )
    if mapping is None:
        mapping = ProcessUnitMapping(authority_id=authority_id, process_key=process_key)
        session.add(mapping)
    mapping.unit_id = unit.id
    session.flush()


def unit_for_process(session: Session, authority_id: str, process_key: str) -> FilePlanUnit:
    """Return the unit a new case of ``process_key`` is filed under."""
    rows = session.execute(
        select(ProcessUnitMapping.process_key, FilePlanUnit)
        .join(FilePlanUnit, FilePlanUnit.id == ProcessUnitMapping.unit_id)
        .where(ProcessUnitMapping.authority_id == authority_id,
               ProcessUnitMapping.process_key.in_([process_key, DEFAULT_MAPPING]))
    ).all()
    by_key = {key: unit for key, unit in rows}
    unit = by_key.get(process_key) or by_key.get(DEFAULT_MAPPING)
    if unit is None:
        raise NotFound(
            f"process '{process_key}' is not assigned to a unit of your file plan; "
            "load a file plan that maps it (aktenfluss eakte load-plan)"
        )
    return unit


def list_units(session: Session, authority_id: str) -> list[FilePlanUnit]:
    """Return the authority's file plan, ordered by code."""
    return list(session.scalars(
        select(FilePlanUnit).where(FilePlanUnit.authority_id == authority_id).order_by(FilePlanUnit.code)
    ))


def describe_plan(session: Session, authority_id: str) -> dict:
    """Return the authority's units and process mappings in the shape of a plan document."""
    mappings = session.execute(
        select(ProcessUnitMapping.process_key, FilePlanUnit.code)
        .join(FilePlanUnit, FilePlanUnit.id == ProcessUnitMapping.unit_id)
        .where(ProcessUnitMapping.authority_id == authority_id)
    ).all()
    return {"units": list_units(session, authority_id), "processes": dict(sorted(mappings))}


def read_plan_file(path: Path) -> dict:
    """Read and parse a file plan from disk (UTF-8 text)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EakteError(f"file plan {path.name} is not UTF-8 text: {exc}") from exc
    return parse_file_plan(text, path.name)
