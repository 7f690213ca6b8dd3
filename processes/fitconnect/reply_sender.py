"""Sending a queued reply (replies.py) through the Submission API: the worker's ``fitconnect.antwort`` job.

One run, for one :class:`FitConnectReply`:

1. a reply announced before (``reply_id`` known) whose ``submit-reply`` event
   the Zustelldienst has signed into the case's event log was submitted (by an
   earlier run that died before it could say so): recorded, done;
2. otherwise the notices are read from the store (their SHA-256 checked) and
   encrypted one by one for the online service's key (JWE ``RSA-OAEP-256`` +
   ``A256GCM``, the ``encryptionPublicKey`` of the reply channel); the reply is
   announced with its attachment ids (``POST /v1/replies``; the id is committed
   at once), the attachments are uploaded and the reply is submitted with its
   encrypted metadata (hashes, file names, the Aktenzeichen);
3. the Zustelldienst's signed ``submit-reply`` event must then carry the
   authentication tags of exactly what was sent: the reply is confirmed.

A refusal (4xx), an unreachable Zustelldienst or a missing confirmation fails
the run: the error is kept on the row, the job is retried and finally opens an
incident of the case; nothing is sent twice once it was confirmed. If the
process dies after announcing and before committing the reply id, the
announced reply is never submitted (the Zustelldienst drops it) and the next
run announces a new one.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from eakte import audit
from eakte.akten import vorgang_of_case
from eakte.dokumente import get_version
from eakte.storage import DocumentStore
from engine.db import transaction, utcnow
from engine.models import Authority, Case
from engine.registry import BackgroundCall, ServiceRegistry
from processes.config_files import ConfigError
from processes.fitconnect import events
from processes.fitconnect.client import FitConnectUnavailable, ReplyRefused, SubmissionApi, SubmissionGone
from processes.fitconnect.config import FitConnectConfig
from processes.fitconnect.jose import JoseFailure, authentication_tag, canonical, encrypt, key_set, read_signed
from processes.fitconnect.models import FitConnectReply
from processes.fitconnect.replies import OPERATION, channel_of

log = logging.getLogger(__name__)
ACTOR = "fitconnect"
REPLY_METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"


class ReplyNotConfirmed(Exception):
    """The Zustelldienst's event log has no (or another) ``submit-reply`` for the reply; the message says which."""


@dataclass(frozen=True)
class Notice:
    """One notice of the reply: its document, file name, media type, title and the attachment id it travels under."""

    dokument_id: str
    version: int
    attachment_id: str
    filename: str
    media_type: str
    subject: str
    storage_key: str
    sha256: str


@dataclass(frozen=True)
class Prepared:
    """What one run needs, read in one transaction."""

    reply: str
    case_id: str
    authority_id: str
    slug: str
    reply_id: str | None
    fit_case_id: str
    destination_id: str
    key: dict
    service: str | None
    aktenzeichen: str
    notices: tuple[Notice, ...]


def register(registry: ServiceRegistry, store: Callable[[], DocumentStore], config: FitConnectConfig) -> None:
    """Register the background operation that sends a queued reply."""

    def send(call: BackgroundCall):
        ReplySender(call.factory, store(), config).send(call.params["reply"])

    registry.register_background(OPERATION, send)


class ReplySender:
    """Sends one queued reply (see the module docstring)."""

    def __init__(self, factory: sessionmaker[Session], store: DocumentStore, config: FitConnectConfig,
                 clock: Callable[[], datetime] = utcnow):
        self.factory, self.store, self.config, self.clock = factory, store, config, clock

    def send(self, reply: str) -> None:
        """Send (or confirm) the reply; raise if it is not confirmed by the end of this run."""
        prepared = self._prepare(reply)
        if prepared is None:
            return
        try:
            access = self.config.authorities.get(prepared.slug)
            if access is None or access.destination(prepared.destination_id) is None:
                raise ConfigError(f"FIT-Connect is not configured for destination {prepared.destination_id} of "
                                  f"authority '{prepared.slug}'; the reply waits")
            api = SubmissionApi(self.config, access)
            if prepared.reply_id is not None and self._submit_event(api, prepared, prepared.reply_id) is not None:
                self._record(prepared, prepared.reply_id, None, via="event log")
                return
            reply_id, tags = self._transmit(api, prepared)
            self._record(prepared, reply_id, tags, via="submitted")
            found = self._submit_event(api, prepared, reply_id)
            if found is None:
                raise ReplyNotConfirmed(f"the Zustelldienst has no submit-reply event for reply {reply_id} yet")
            if found != tags:
                raise ReplyNotConfirmed(f"the submit-reply event of reply {reply_id} names other authentication "
                                        "tags than were sent")
            self._confirm(prepared, reply_id)
        except (ConfigError, FitConnectUnavailable, ReplyRefused, SubmissionGone, JoseFailure,
                ReplyNotConfirmed, OSError) as exc:
            self._note_failure(prepared, exc, forget_reply=isinstance(exc, SubmissionGone))
            raise

    def _prepare(self, reply: str) -> Prepared | None:
        with transaction(self.factory) as session:
            row = session.get(FitConnectReply, reply)
            if row is None or row.confirmed_at is not None:
                return None
            case = session.get(Case, row.case_id)
            submission, channel = channel_of(session, case)
            key = channel.encryption_key if channel is not None else None
            if key is None:
                raise ConfigError(f"the submission of reply {row.id} names no FIT-Connect reply key")
            notices = []
            for dokument_id in row.dokument_ids:
                version = get_version(session, row.authority_id, dokument_id)
                attachment = row.attachment_ids.get(dokument_id)
                if attachment is None:  # fixed once, before the reply is announced with them
                    attachment = str(uuid.uuid4())
                    row.attachment_ids = {**row.attachment_ids, dokument_id: attachment}
                notices.append(Notice(dokument_id, version.version, attachment, version.filename,
                                      version.media_type, version.dokument.subject, version.storage_key,
                                      version.sha256))
            vorgang = vorgang_of_case(session, case.id)
            aktenzeichen = vorgang.akte.aktenzeichen if vorgang is not None else (case.business_key or "")
            return Prepared(row.id, case.id, row.authority_id, session.get(Authority, row.authority_id).slug,
                            row.reply_id, row.fit_case_id, row.destination_id, key, submission.service_identifier,
                            aktenzeichen, tuple(notices))

    def _transmit(self, api: SubmissionApi, prepared: Prepared) -> tuple[str, dict]:
        contents = {n.attachment_id: self._content(n) for n in prepared.notices}
        reply_id = prepared.reply_id
        if reply_id is None:
            reply_id = api.create_reply(prepared.fit_case_id, [n.attachment_id for n in prepared.notices])
            with transaction(self.factory) as session:  # dies before this: the announced reply is dropped
                row = session.get(FitConnectReply, prepared.reply)
                row.reply_id, row.status = reply_id, "announced"
        tags = {"attachments": {}}
        for notice in prepared.notices:
            jwe = encrypt(contents[notice.attachment_id], prepared.key, notice.media_type)
            api.upload_reply_attachment(reply_id, notice.attachment_id, jwe)
            tags["attachments"][notice.attachment_id] = authentication_tag(jwe)
        metadata = reply_metadata(prepared, contents)
        encrypted = encrypt(canonical(metadata), prepared.key, "application/json")
        api.submit_reply(reply_id, encrypted)
        tags["metadata"] = authentication_tag(encrypted)
        return reply_id, tags

    def _content(self, notice: Notice) -> bytes:
        content = self.store.read(notice.storage_key)
        if hashlib.sha256(content).hexdigest() != notice.sha256:
            raise OSError(f"the stored notice {notice.dokument_id} (version {notice.version}) does not match its "
                          "SHA-256; it is not sent")
        return content

    def _submit_event(self, api: SubmissionApi, prepared: Prepared, reply_id: str) -> dict | None:
        """The authentication tags of the Zustelldienst's signed submit-reply event for the reply, or None."""
        signers = key_set(api.delivery_service_keys())
        for token in api.event_log(prepared.fit_case_id):
            try:
                _, claims = read_signed(token, signers)
            except JoseFailure:
                continue  # events of others (our own, the online service's)
            payload = (claims.get("events") or {}).get(events.SUBMIT_REPLY)
            if claims.get("sub") == f"reply:{reply_id}" and isinstance(payload, dict):
                tags = payload.get("authenticationTags") or {}
                return {"attachments": tags.get("attachments") or {}, "metadata": tags.get("metadata")}
        return None

    def _record(self, prepared: Prepared, reply_id: str, tags: dict | None, *, via: str) -> None:
        now = self.clock()
        with transaction(self.factory) as session:
            row = session.get(FitConnectReply, prepared.reply)
            if row.status != "submitted":
                row.status, row.reply_id, row.submitted_at = "submitted", reply_id, now
                audit.record(session, audit.case_stream(prepared.case_id), "fitconnect.reply_sent", actor=ACTOR,
                             authority_id=prepared.authority_id, case_id=prepared.case_id, occurred_at=now,
                             data={"reply": row.id, "reply_id": reply_id, "fit_case_id": prepared.fit_case_id,
                                   "dokumente": [{"dokument_id": n.dokument_id, "version": n.version,
                                                  "betreff": n.subject, "sha256": n.sha256}
                                                 for n in prepared.notices],
                                   "authentication_tags": tags, "via": via})
            if via == "event log":  # an earlier run submitted it; the Zustelldienst's signed event proves that
                self._mark_confirmed(session, row, prepared, now)

    def _confirm(self, prepared: Prepared, reply_id: str) -> None:
        with transaction(self.factory) as session:
            self._mark_confirmed(session, session.get(FitConnectReply, prepared.reply), prepared, self.clock())
        log.info("reply %s of case %s confirmed by the Zustelldienst", reply_id, prepared.case_id)

    def _mark_confirmed(self, session: Session, row: FitConnectReply, prepared: Prepared, now) -> None:
        row.confirmed_at, row.last_error = now, None
        audit.record(session, audit.case_stream(prepared.case_id), "fitconnect.reply_confirmed", actor=ACTOR,
                     authority_id=prepared.authority_id, case_id=prepared.case_id, occurred_at=now,
                     data={"reply": row.id, "reply_id": row.reply_id})

    def _note_failure(self, prepared: Prepared, exc: Exception, *, forget_reply: bool) -> None:
        with transaction(self.factory) as session:
            row = session.get(FitConnectReply, prepared.reply)
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if forget_reply and row.status == "announced":  # the Zustelldienst no longer has it: announce anew
                row.reply_id, row.status = None, "pending"
        log.warning("reply %s of case %s not sent: %s", prepared.reply, prepared.case_id, exc)


def reply_metadata(prepared: Prepared, contents: dict[str, bytes]) -> dict:
    """The reply's metadata (FIT-Connect metadata schema): the notices with their SHA-512, the Aktenzeichen."""
    metadata = {
        "$schema": REPLY_METADATA_SCHEMA,
        "contentStructure": {"attachments": [
            {"attachmentId": n.attachment_id, "purpose": "attachment", "filename": n.filename,
             "description": n.subject, "mimeType": n.media_type,
             "hash": {"type": "sha512", "content": hashlib.sha512(contents[n.attachment_id]).hexdigest()}}
            for n in prepared.notices]},
        "additionalReferenceInfo": {"senderReference": prepared.aktenzeichen},
    }
    if prepared.service:
        metadata["publicServiceType"] = {"identifier": prepared.service}
    return metadata
