"""A case's workflow state and data: create, restore and save them.

The case row holds the serialized workflow instance (engine/serializer.py,
without the spec: the definition's cached model supplies it) and the case data
(engine/case_data.py) with its versions. ``restore`` rebuilds both from the
row; ``saved_state`` and ``write_case`` write them back in one statement.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from engine import serializer
from engine.case_data import CaseData
from engine.case_workflow import CaseWorkflow
from engine.db import new_id, write_row
from engine.definitions import model_of
from engine.models import Case, ProcessDefinition


def restore(ctx, case: Case) -> tuple[CaseWorkflow, CaseData]:
    """Rebuild a case's workflow and case data from its row."""
    model = model_of(case.definition)
    workflow = serializer.deserialize(json.loads(case.state), model.spec, model.subprocess_specs)
    workflow.script_engine = ctx.script_engine
    case_data = CaseData.from_dict({"values": case.data, "versions": case.data_versions, "counter": case.data_counter},
                                   ctx.data_limits)
    return workflow, case_data


def new_case(ctx, definition: ProcessDefinition, authority_id: str, actor: str | None,
              data: dict[str, Any] | None, business_key: str | None, subject: str | None,
              ) -> tuple[Case, CaseWorkflow, CaseData]:
    """Create a case row and its workflow, saved in a valid state before anything ran."""
    model = model_of(definition)
    workflow = CaseWorkflow(model.spec, model.subprocess_specs, script_engine=ctx.script_engine)
    case = Case(
        id=new_id(),
        authority_id=authority_id,
        definition=definition,
        definition_id=definition.id,
        business_key=business_key,
        subject=subject,
        started_by=actor,
        started_at=ctx.clock(),
    )
    case_data = CaseData(limits=ctx.data_limits)
    apply_external_data(case_data, data or {})
    for name, value in saved_state(workflow, case_data).items():
        setattr(case, name, value)
    return case, workflow, case_data


def apply_external_data(case_data: CaseData, data: dict) -> None:
    """Put data given from outside (at the start) into the case data, each key with a new version."""
    case_data.values.update(json.loads(json.dumps(data)))
    for key in data:
        case_data.counter += 1
        case_data.versions[key] = case_data.counter
    case_data.check_size("the start data")


def saved_state(workflow: CaseWorkflow, case_data: CaseData) -> dict[str, Any]:
    """Return the case columns that hold the workflow state and the case data."""
    saved = case_data.to_dict()
    return {
        "state": json.dumps(serializer.serialize(workflow), separators=(",", ":")),
        "serializer_version": serializer.SERIALIZER_VERSION,
        "data": saved["values"], "data_versions": saved["versions"], "data_counter": saved["counter"],
    }


def write_case(session: Session, case: Case, values: dict[str, Any]) -> None:
    """Write the case row: a case created in this transaction is inserted, an existing one updated.

    A new case is flushed by the ORM, together with the rows that refer to it
    (its file, for instance). An existing case is updated with one statement
    that also moves its revision (the ORM's optimistic lock: the statement
    only matches the revision that was read, so an update that raced us
    fails with StaleDataError instead of overwriting it).
    """
    if inspect(case).persistent:
        write_row(session, case, values)
    else:
        for name, value in values.items():
            setattr(case, name, value)
        session.flush()
