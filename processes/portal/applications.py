"""Applications started in the portal: the registration of an intended marriage.

The applicant fills in the form for both partners; the data set is checked
against the same JSON Schema as one arriving through FIT-Connect, the case of
the chosen registry office starts, the data set is filed as received, and
the case is linked to the applicant.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.storage import DocumentStore
from engine import definitions
from engine.errors import NotFound
from engine.identity import get_authority
from engine.models import Authority
from engine.runner import EngineContext
from processes import intake
from processes.fitconnect.datasets import EHESCHLIESSUNG
from processes.portal.accounts import link_case
from processes.portal.cases import actor_of
from processes.portal.models import ApplicantAccount


def offices_for(session: Session, process_key: str) -> list[Authority]:
    """The authorities where the procedure can be started (it is deployed for them or for all)."""
    offering = []
    for authority in session.scalars(select(Authority).order_by(Authority.name)):
        try:
            definitions.latest_definition(session, process_key, authority.id)
        except NotFound:
            continue
        offering.append(authority)
    return offering


def register_marriage(session: Session, ctx: EngineContext, store: DocumentStore, account: ApplicantAccount,
                      office: str, data_set: dict, now: datetime) -> intake.Receipt:
    """Start the registration of an intended marriage at a registry office for the applicant.

    Raises:
        DataSetInvalid: the data set does not match the schema (each problem listed).
        NotFound: no such registry office, or it does not offer the procedure.
    """
    raw = json.dumps({"$schema": EHESCHLIESSUNG.schema_uri, **data_set}, ensure_ascii=False, indent=2).encode("utf-8")
    read = EHESCHLIESSUNG.read(raw)
    authority = get_authority(session, office)
    receipt = intake.receive_application(
        session, ctx, store, actor_of(account.id, authority.id),
        data={**read.case_data, "eingang": {"channel": "portal", "schema": EHESCHLIESSUNG.schema_uri}},
        documents=[intake.IncomingDocument(raw, "anmeldung-eheschliessung.json",
                                           "Anmeldung der Eheschließung (Bürgerportal)", doc_type="Antrag")],
        channel="portal", subject=read.subject, process_key=EHESCHLIESSUNG.process_key,
    )
    link_case(session, account, receipt.case, "portal", now)
    return receipt
