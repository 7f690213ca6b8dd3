"""Changes to the file plan (Aktenplan) by administrators, audited with the values before and after.

Units are never deleted (files refer to them) and keep their code (it is part
of their files' numbers); a changed retention or disposal code applies to
files closed from then on (it is snapshotted at zdA).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from eakte import aktenplan
from eakte.errors import EakteError, NotFound
from eakte.models import FilePlanUnit
from engine.models import User
from processes.administration.access import require_admin
from processes.administration.audit_log import changed, record_change


def unit_entry(unit: FilePlanUnit) -> dict:
    """Return a unit as an entry of a plan document."""
    return {"code": unit.code, "title": unit.title,
            "retention_years": "permanent" if unit.retention_years is None else unit.retention_years,
            "disposal": unit.disposal_code, "confidentiality": unit.confidentiality}


def save_unit(session: Session, actor: User, entry: dict, *, new: bool) -> FilePlanUnit:
    """Create a unit (``new``) or change an existing one; ``entry`` as in a plan document."""
    require_admin(actor)
    existing = {u.code: unit_entry(u) for u in aktenplan.list_units(session, actor.authority_id)}
    code = entry.get("code")
    if new and code in existing:
        raise EakteError(f"a unit with the code '{code}' exists already", {"fields": {"code": ["exists"]}})
    if not new and code not in existing:
        raise NotFound(f"no file plan unit '{code}'")
    unit = aktenplan.save_unit(session, actor.authority_id, entry)
    before, after = changed(existing.get(code, {}), unit_entry(unit))
    if after:
        record_change(session, actor, actor.authority_id, "file_plan.unit_created" if new else "file_plan.unit_changed",
                      target=unit.code, before=None if new else before, after=after)
    return unit


def map_process(session: Session, actor: User, process_key: str, code: str) -> None:
    """File new cases of ``process_key`` ('*': all processes without their own mapping) under unit ``code``."""
    require_admin(actor)
    process_key = aktenplan.check_process_key(process_key.strip() if isinstance(process_key, str) else process_key)
    unit = aktenplan.get_unit(session, actor.authority_id, code)
    before = aktenplan.describe_plan(session, actor.authority_id)["processes"].get(process_key)
    if before == unit.code:
        return
    aktenplan.map_process(session, actor.authority_id, process_key, unit)
    record_change(session, actor, actor.authority_id, "file_plan.process_mapped", target=process_key,
                  before={"unit": before}, after={"unit": unit.code})


def load_plan(session: Session, actor: User, plan: dict) -> None:
    """Load a parsed plan document (units and mappings), logging every unit and mapping it changes."""
    require_admin(actor)
    before = aktenplan.describe_plan(session, actor.authority_id)
    old_units = {u.code: unit_entry(u) for u in before["units"]}
    units = aktenplan.load_file_plan(session, actor.authority_id, plan)
    for unit in units:
        old, new = changed(old_units.get(unit.code, {}), unit_entry(unit))
        if new:
            created = unit.code not in old_units
            record_change(session, actor, actor.authority_id,
                          "file_plan.unit_created" if created else "file_plan.unit_changed", target=unit.code,
                          before=None if created else old, after=new)
    for process_key, code in plan["processes"].items():
        if before["processes"].get(process_key) != code:
            record_change(session, actor, actor.authority_id, "file_plan.process_mapped", target=process_key,
                          before={"unit": before["processes"].get(process_key)}, after={"unit": code})
