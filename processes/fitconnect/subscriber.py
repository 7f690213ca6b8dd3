"""The FIT-Connect subscriber: poll an authority's destinations, turn submissions into cases or rejections.

Runs in the worker as the background operation ``fitconnect.poll`` (one job
per authority, see polling.py). For each submission ready for pickup:

1. look it up in ``fitconnect_submissions``: decided before and confirmed by
   the Zustelldienst -> nothing to do (it is listed again, e.g. replayed: no
   second case); decided but the event not confirmed -> send the event again;
2. fetch it and open it (opening.py: event log, decryption, hashes, schemas);
3. in one transaction: start the case of the procedure configured for the
   service, file data set, metadata and attachments as received, link the
   applicant's pseudonym, and record the submission as accepted -- or record
   the rejection with its problems (no case);
4. sign the accept or reject event (SET) and post it into the event log, then
   note that it was confirmed.

If the process dies between 3 and 4 the submission is still listed at the
next poll and step 1 sends the event of the decision already recorded; a
case is never started twice (``submission_id`` is unique, a second worker's
insert fails and its transaction rolls back).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from eakte import audit
from eakte.errors import UnsupportedContent
from eakte.storage import DocumentStore
from engine.db import transaction
from engine.errors import InvalidData, NotFound
from engine.models import Case
from engine.runner import EngineContext
from processes import intake
from processes.actors import SystemActor
from processes.fitconnect import events
from processes.fitconnect.client import SubmissionApi, SubmissionGone
from processes.fitconnect.config import AuthorityAccess, Destination, FitConnectConfig
from processes.fitconnect.events import Problem, problem
from processes.fitconnect.identification import BrokerUnavailable, broker_keys
from processes.fitconnect.jose import sign_event
from processes.fitconnect.models import FitConnectSubmission
from processes.fitconnect.opening import Fetched, Keys, Opened, Rejected, open_submission, tags_of
from processes.portal.accounts import ensure_account, link_case

log = logging.getLogger(__name__)
ACTOR = "fitconnect"


@dataclass(frozen=True)
class Outcome:
    """What became of one listed submission: ``accepted``, ``rejected``, ``known``, ``resent`` or ``skipped``."""

    submission_id: str
    result: str
    case_id: str | None = None


class Subscriber:
    """Receives the submissions of one authority's destinations."""

    def __init__(self, factory: sessionmaker[Session], ctx: EngineContext, store: DocumentStore,
                 config: FitConnectConfig, access: AuthorityAccess, authority_id: str,
                 api: SubmissionApi | None = None):
        self.factory, self.ctx, self.store = factory, ctx, store
        self.config, self.access, self.authority_id = config, access, authority_id
        self.api = api or SubmissionApi(config, access)
        self._delivery_keys: dict | None = None
        self._broker_keys: dict | None = None

    def poll(self) -> list[Outcome]:
        """Handle every submission waiting for the authority's destinations.

        Raises:
            FitConnectUnavailable: the Zustelldienst cannot be used now (nothing decided about the rest).
        """
        outcomes = []
        for destination in self.access.destinations:
            for listed in self.api.submissions(destination.id):
                outcomes.append(self.receive(destination, listed["submissionId"]))
        return outcomes

    def receive(self, destination: Destination, submission_id: str) -> Outcome:
        """Handle one submission (see the module docstring)."""
        known = self._known(submission_id)
        if known is not None and known["event_sent_at"] is not None:
            log.info("submission %s is listed again; it was %s before, nothing is done", submission_id,
                     known["status"])
            return Outcome(submission_id, "known", known["case_id"])
        try:
            fetched = self._fetch(submission_id)
        except SubmissionGone:
            return Outcome(submission_id, "skipped")
        if fetched.submission.get("destinationId") != destination.id:
            log.error("submission %s was listed for destination %s but is addressed to %s; it is not touched",
                      submission_id, destination.id, fetched.submission.get("destinationId"))
            return Outcome(submission_id, "skipped")
        if known is not None:
            return self._resend(destination, fetched, known)
        try:
            opened = open_submission(fetched, self._keys(destination))
            self._check_replay(opened)
        except Rejected as rejected:
            return self._reject(destination, fetched, rejected.problems)
        except BrokerUnavailable as exc:
            log.warning("submission %s waits: %s", submission_id, exc)
            return Outcome(submission_id, "skipped")
        return self._accept(destination, fetched, opened)

    def _known(self, submission_id: str) -> dict | None:
        with transaction(self.factory) as session:
            row = session.scalar(select(FitConnectSubmission).where(FitConnectSubmission.submission_id == submission_id))
            if row is None:
                return None
            return {"status": row.status, "problems": row.problems, "case_id": row.case_id,
                    "event_sent_at": row.event_sent_at}

    def _fetch(self, submission_id: str) -> Fetched:
        submission = self.api.submission(submission_id)
        attachments = {aid: self.api.attachment(submission_id, aid) for aid in submission.get("attachments") or []}
        return Fetched(submission, attachments, self.api.event_log(submission["caseId"]))

    def _keys(self, destination: Destination) -> Keys:
        return Keys(destination.decryption_key(), destination.services, self._delivery_service_keys,
                    self.config.identity_issuer, self._identity_keys)

    def _delivery_service_keys(self) -> dict:
        if self._delivery_keys is None:
            self._delivery_keys = self.api.delivery_service_keys()
        return self._delivery_keys

    def _identity_keys(self) -> dict:
        if self._broker_keys is None:
            self._broker_keys = broker_keys(self.config.identity_issuer)
        return self._broker_keys

    def _check_replay(self, opened: Opened) -> None:
        """A data set encrypted once cannot come again under another submission id (its tag is unique)."""
        with transaction(self.factory) as session:
            earlier = session.scalar(select(FitConnectSubmission.submission_id)
                                     .where(FitConnectSubmission.data_tag == opened.data_tag).limit(1))
        if earlier is not None:
            raise Rejected([problem("replay", f"Dieselben verschlüsselten Fachdaten kamen bereits mit der "
                                              f"Einreichung {earlier}; eine Einreichung wird nur einmal "
                                              "angenommen.", "data")])

    def _accept(self, destination: Destination, fetched: Fetched, opened: Opened) -> Outcome:
        now = self.ctx.clock()
        try:
            with transaction(self.factory) as session:
                case = self._start_case(session, fetched, opened, now)
                session.add(FitConnectSubmission(
                    authority_id=self.authority_id, destination_id=destination.id,
                    submission_id=fetched.submission_id, fit_case_id=fetched.fit_case_id, service_identifier=opened.service,
                    status="accepted", problems=[], case_id=case.id, data_tag=opened.data_tag, received_at=now,
                ))
                case_id = case.id
        except IntegrityError:  # another worker recorded this submission meanwhile; it sends the event
            return Outcome(fetched.submission_id, "skipped")
        except NotFound as exc:  # the procedure is not deployed for this authority: an operator's job, not the sender's
            log.error("submission %s cannot be received: %s", fetched.submission_id, exc.message)
            return Outcome(fetched.submission_id, "skipped")
        except (UnsupportedContent, InvalidData) as exc:
            message = getattr(exc, "message", str(exc))
            return self._reject(destination, fetched, [problem("schema-violation", message, "data")])
        claims = events.accept_claims(destination.id, fetched.submission_id, fetched.fit_case_id, opened.tags, now)
        self._send(destination, fetched, claims)
        return Outcome(fetched.submission_id, "accepted", case_id)

    def _start_case(self, session: Session, fetched: Fetched, opened: Opened, now: datetime) -> Case:
        actor = SystemActor(self.authority_id, ACTOR)
        eingang = {"channel": "fitconnect", "fitconnect": {
            "submission_id": fetched.submission_id, "case_id": fetched.fit_case_id, "service": opened.service,
            "reply_channel": opened.metadata.get("replyChannel"),
            "sender_reference": (opened.metadata.get("additionalReferenceInfo") or {}).get("senderReference"),
        }}
        extra = [intake.IncomingDocument(json.dumps(opened.metadata, ensure_ascii=False, indent=2).encode("utf-8"),
                                         "fit-connect-metadaten.json", "FIT-Connect: Metadaten der Einreichung",
                                         doc_type="Nachricht")]
        extra += [intake.IncomingDocument(a.content, a.filename, _attachment_subject(a), doc_type=_doc_type(a))
                  for a in opened.attachments if a.purpose != "attachment" or opened.read.xbau is None]
        if opened.read.xbau is not None:
            receipt = intake.receive_xbau(
                session, self.ctx, self.store, actor, opened.data,
                {a.filename: a.content for a in opened.attachments if a.purpose == "attachment"},
                channel="fitconnect", eingang=eingang, extra_documents=extra,
            )
        else:
            data_file = intake.IncomingDocument(opened.data, "fachdaten.json", f"Fachdaten: {opened.data_set.title}",
                                                doc_type="Antrag")
            receipt = intake.receive_application(
                session, self.ctx, self.store, actor, data={**opened.read.case_data, "eingang": eingang},
                documents=[data_file, *extra], channel="fitconnect", subject=opened.read.subject,
                message_id=fetched.submission_id, process_key=opened.process_key,
            )
        case = receipt.case
        if opened.identity is not None:
            account = ensure_account(session, opened.identity.issuer, opened.identity.subject,
                                     opened.identity.assurance, now)
            link_case(session, account, case, "fitconnect", now)
        audit.record(session, audit.case_stream(case.id), "fitconnect.accepted", actor=ACTOR,
                     authority_id=self.authority_id, case_id=case.id, occurred_at=now,
                     data={"submission_id": fetched.submission_id, "fit_case_id": fetched.fit_case_id,
                           "service": opened.service, "schema": opened.data_set.schema_uri,
                           "identified": opened.identity.assurance if opened.identity else None})
        return case

    def _reject(self, destination: Destination, fetched: Fetched, problems: list[Problem]) -> Outcome:
        now = self.ctx.clock()
        found = [p.as_dict() for p in problems]
        try:
            with transaction(self.factory) as session:
                session.add(FitConnectSubmission(
                    authority_id=self.authority_id, destination_id=destination.id,
                    submission_id=fetched.submission_id, fit_case_id=fetched.fit_case_id,
                    service_identifier=(fetched.submission.get("serviceType") or {}).get("identifier"),
                    status="rejected", problems=found, received_at=now,
                ))
                audit.record(session, f"authority/{self.authority_id}", "fitconnect.rejected", actor=ACTOR,
                             authority_id=self.authority_id, occurred_at=now,
                             data={"submission_id": fetched.submission_id, "problems": found})
        except IntegrityError:
            return Outcome(fetched.submission_id, "skipped")
        log.warning("submission %s rejected: %s", fetched.submission_id, "; ".join(p["detail"] for p in found))
        claims = events.reject_claims(destination.id, fetched.submission_id, fetched.fit_case_id, found, now)
        self._send(destination, fetched, claims)
        return Outcome(fetched.submission_id, "rejected")

    def _resend(self, destination: Destination, fetched: Fetched, known: dict) -> Outcome:
        now = self.ctx.clock()
        if known["status"] == "accepted":
            tags = tags_of(fetched)
            claims = events.accept_claims(destination.id, fetched.submission_id, fetched.fit_case_id, tags, now)
        else:
            claims = events.reject_claims(destination.id, fetched.submission_id, fetched.fit_case_id,
                                          known["problems"], now)
        self._send(destination, fetched, claims)
        return Outcome(fetched.submission_id, "resent", known["case_id"])

    def _send(self, destination: Destination, fetched: Fetched, claims: dict) -> None:
        key = destination.signing_key()
        token = sign_event(claims, key, key.kid)
        try:
            self.api.send_event(fetched.fit_case_id, token)
        except SubmissionGone as exc:
            log.warning("event for submission %s not taken: %s", fetched.submission_id, exc)
            return
        with transaction(self.factory) as session:
            row = session.scalar(select(FitConnectSubmission)
                                 .where(FitConnectSubmission.submission_id == fetched.submission_id))
            row.event_sent_at = self.ctx.clock()


def _attachment_subject(attachment) -> str:
    if attachment.purpose == "form":
        return "Antrag (PDF des Onlinedienstes)"
    return attachment.description or attachment.filename or "Anlage"


def _doc_type(attachment) -> str:
    return {"form": "Antrag", "report": "Sonstiges"}.get(attachment.purpose, "Bauvorlage")
