"""Opening a fetched submission: event log, decryption, hashes, schemas, service, attachments, identity.

The checks follow FIT-Connect's guidance for subscribers (docs: "Einreichung
überprüfen"), in this order, and stop at the first step that fails:

1. the Zustelldienst's ``submit-submission`` event is in the event log, signed
   with its published key, and its authentication tags are those of the
   metadata, data set and attachments fetched (nothing was swapped);
2. the metadata decrypts, is JSON and matches the metadata schema;
3. the attachments announced in the metadata are the ones the submission has;
4. the service (LeiKa key) is one this destination takes;
5. the data set decrypts, its SHA-512 is the one in the metadata, its schema is
   one this installation understands for that service, and it is valid;
6. every attachment decrypts, has its SHA-512 and is an acceptable file;
7. an identification report, if present, is signed by the trusted eID broker.

Nothing here touches the database; :func:`open_submission` either returns
everything the intake needs or raises :class:`Rejected` with the problems
that go into the reject-submission event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from jsonschema import Draft202012Validator, FormatChecker
from joserfc.jwk import RSAKey

from eakte.errors import UnsupportedContent
from eakte.intake import check_content
from processes.fitconnect import events
from processes.fitconnect.datasets import SCHEMA_DIR, DataSet, DataSetInvalid, ReadDataSet, data_set
from processes.fitconnect.events import Problem, problem
from processes.fitconnect.identification import IdentificationInvalid, Identity, identity_of
from processes.fitconnect.jose import JoseFailure, authentication_tag, decrypt, key_set, read_signed


class Rejected(Exception):
    """The submission cannot be accepted; ``problems`` go into the reject-submission event."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.instance}: {p.detail}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Fetched:
    """A submission as the Zustelldienst handed it out (still encrypted)."""

    submission: dict
    attachments: dict[str, str]
    event_log: list[str]

    @property
    def submission_id(self) -> str:
        return self.submission["submissionId"]

    @property
    def fit_case_id(self) -> str:
        return self.submission["caseId"]


@dataclass(frozen=True)
class OpenedAttachment:
    """A decrypted attachment with what the metadata says about it."""

    attachment_id: str
    purpose: str
    filename: str | None
    description: str | None
    content: bytes


@dataclass(frozen=True)
class Opened:
    """A verified, decrypted submission and what it becomes."""

    metadata: dict
    data: bytes
    data_set: DataSet
    read: ReadDataSet
    process_key: str
    service: str
    attachments: list[OpenedAttachment]
    identity: Identity | None
    tags: dict = field(default_factory=dict)
    data_tag: str = ""


@dataclass(frozen=True)
class Keys:
    """What opening needs besides the submission: the destination's key, the services, trusted signers."""

    decryption_key: RSAKey
    services: dict[str, str]
    delivery_service_keys: Callable[[], dict]
    identity_issuer: str | None
    identity_keys: Callable[[], dict]


def open_submission(fetched: Fetched, keys: Keys) -> Opened:
    """Verify and decrypt a submission (see the module docstring for the order of the checks).

    Raises:
        Rejected: with the problems found.
        BrokerUnavailable, FitConnectUnavailable: a trusted party's keys cannot be fetched now (retry later).
    """
    submission = fetched.submission
    tags = tags_of(fetched)
    _check_event_log(fetched, tags, keys)
    metadata = _metadata(submission, keys.decryption_key)
    _check_announced_attachments(metadata, fetched)
    service = ((submission.get("serviceType") or {}).get("identifier") or "").strip()
    process_key = keys.services.get(service)
    if process_key is None:
        raise Rejected([problem("unsupported-service", f"Die Verwaltungsleistung '{service}' wird über diesen "
                                                       "Zustellpunkt nicht angenommen.", "submission")])
    kind, data, read = _data(submission, metadata, process_key, keys.decryption_key)
    attachments = _attachments(fetched, metadata, keys.decryption_key)
    if read.xbau is not None:
        _check_xbau_attachments(read, attachments)
    try:
        identity = identity_of(metadata, keys.identity_issuer, keys.identity_keys)
    except IdentificationInvalid as exc:
        raise Rejected([problem("invalid-identification", str(exc), "metadata")]) from exc
    return Opened(metadata, data, kind, read, process_key, service, attachments, identity, tags, tags["data"])


def tags_of(fetched: Fetched) -> dict:
    """The authentication tags of metadata, data set and attachments (what accept-submission confirms).

    Raises:
        Rejected: a part is not a compact JWE.
    """
    submission = fetched.submission
    try:
        return {"metadata": authentication_tag(submission.get("encryptedMetadata")),
                "data": authentication_tag(submission.get("encryptedData")),
                "attachments": {aid: authentication_tag(jwe) for aid, jwe in fetched.attachments.items()}}
    except JoseFailure as exc:
        raise Rejected([problem("encryption-issue", f"Ein Teil der Einreichung ist kein JWE: {exc}",
                                "submission")]) from exc


def _check_event_log(fetched: Fetched, tags: dict, keys: Keys) -> None:
    signer_keys = key_set(keys.delivery_service_keys())
    submitted = None
    for token in fetched.event_log:
        try:
            _, claims = read_signed(token, signer_keys)
        except JoseFailure:
            continue  # events signed by others (the subscriber's own, the sender's) are not read here
        if claims.get("sub") == f"submission:{fetched.submission_id}" and events.SUBMIT in (claims.get("events") or {}):
            submitted = claims
    if submitted is None or submitted.get("txn") != f"case:{fetched.fit_case_id}":
        raise Rejected([problem("invalid-event-log", "Im Event Log fehlt das vom Zustelldienst signierte "
                                                     "submit-submission-Ereignis dieser Einreichung.", "submission")])
    announced = (submitted["events"][events.SUBMIT] or {}).get("authenticationTags") or {}
    wrong = [part for part in ("metadata", "data") if announced.get(part) != tags[part]]
    wrong += [f"attachment:{aid}" for aid, tag in tags["attachments"].items()
              if (announced.get("attachments") or {}).get(aid) != tag]
    if wrong:
        raise Rejected([problem("incorrect-authentication-tag", "Der Authentication-Tag stimmt nicht mit dem "
                                "submit-submission-Ereignis überein.", part) for part in wrong])


def _metadata(submission: dict, key: RSAKey) -> dict:
    try:
        raw = decrypt(submission.get("encryptedMetadata"), key)
    except JoseFailure as exc:
        raise Rejected([problem("encryption-issue", f"Die Metadaten: {exc}", "metadata")]) from exc
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Rejected([problem("syntax-violation", "Die Metadaten sind kein JSON.", "metadata")]) from exc
    if not isinstance(metadata, dict):
        raise Rejected([problem("syntax-violation", "Die Metadaten sind kein JSON-Objekt.", "metadata")])
    if not isinstance(metadata.get("$schema"), str):
        raise Rejected([problem("missing-schema", "Die Metadaten nennen kein $schema.", "metadata")])
    errors = sorted(_metadata_validator().iter_errors(metadata), key=lambda e: list(e.absolute_path))
    if errors:
        kind = "unsupported-schema" if list(errors[0].absolute_path) == ["$schema"] else "schema-violation"
        detail = "; ".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])
        raise Rejected([problem(kind, f"Die Metadaten entsprechen nicht dem Schema: {detail}", "metadata")])
    return metadata


@lru_cache(maxsize=1)
def _metadata_validator() -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "metadata.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _check_announced_attachments(metadata: dict, fetched: Fetched) -> None:
    declared = [a["attachmentId"] for a in metadata["contentStructure"]["attachments"]]
    sent = list(fetched.submission.get("attachments") or [])
    if sorted(declared) != sorted(sent) or len(set(declared)) != len(declared):
        raise Rejected([problem("attachments-mismatch", f"Die Metadaten nennen {len(declared)} Anlage(n), die "
                                f"Einreichung hat {len(sent)}; die Anlagen-IDs stimmen nicht überein.", "metadata")])


def _data(submission: dict, metadata: dict, process_key: str, key: RSAKey) -> tuple[DataSet, bytes, ReadDataSet]:
    described = metadata["contentStructure"].get("data")
    if described is None or not submission.get("encryptedData"):
        raise Rejected([problem("missing-data", "Die Einreichung enthält keine Fachdaten.", "data")])
    schema = described["submissionSchema"]
    kind = data_set(schema["schemaUri"], schema["mimeType"])
    if kind is None or kind.process_key != process_key:
        raise Rejected([problem("unsupported-schema", f"Das Fachdatenschema '{schema['schemaUri']}' "
                                f"({schema['mimeType']}) wird für diese Leistung nicht unterstützt.", "data")])
    try:
        data = decrypt(submission["encryptedData"], key)
    except JoseFailure as exc:
        raise Rejected([problem("encryption-issue", f"Die Fachdaten: {exc}", "data")]) from exc
    if hashlib.sha512(data).hexdigest() != described["hash"]["content"]:
        raise Rejected([problem("hash-mismatch", "Die SHA-512-Prüfsumme der Fachdaten stimmt nicht mit den "
                                                 "Metadaten überein.", "data")])
    try:
        read = kind.read(data)
    except DataSetInvalid as exc:
        details = "; ".join(f"{d.get('path') or ('Zeile ' + str(d.get('line')))}: {d['message']}"
                            for d in exc.details[:10])
        raise Rejected([problem("schema-violation", f"Die Fachdaten entsprechen nicht dem Schema "
                                                    f"{kind.schema_uri}: {details or exc.message}", "data")]) from exc
    return kind, data, read


def _attachments(fetched: Fetched, metadata: dict, key: RSAKey) -> list[OpenedAttachment]:
    opened, problems = [], []
    for entry in metadata["contentStructure"]["attachments"]:
        aid = entry["attachmentId"]
        instance = f"attachment:{aid}"
        try:
            content = decrypt(fetched.attachments[aid], key)
        except JoseFailure as exc:
            problems.append(problem("encryption-issue", f"Die Anlage: {exc}", instance))
            continue
        if hashlib.sha512(content).hexdigest() != entry["hash"]["content"]:
            problems.append(problem("hash-mismatch", "Die SHA-512-Prüfsumme der Anlage stimmt nicht mit den "
                                                     "Metadaten überein.", instance))
            continue
        try:
            check_content(content, entry.get("filename"))
        except UnsupportedContent as exc:
            problems.append(problem("invalid-attachment-content", f"Die Anlage wird nicht angenommen: {exc.message}",
                                    instance))
            continue
        opened.append(OpenedAttachment(aid, entry["purpose"], entry.get("filename"), entry.get("description"),
                                       content))
    if problems:
        raise Rejected(problems)
    return opened


def _check_xbau_attachments(read: ReadDataSet, attachments: list[OpenedAttachment]) -> None:
    """Every Anlage the XBau message transports is an attachment, and every attachment is announced there."""
    expected = {a.filename for a in read.xbau.anlagen if a.transported}
    sent = {a.filename for a in attachments if a.purpose == "attachment"}
    missing, extra = sorted(expected - sent), sorted(n or "(ohne Dateiname)" for n in sent - expected)
    if missing or extra:
        detail = "; ".join([f"in der XBau-Nachricht angekündigt, aber nicht gesendet: {', '.join(missing)}"] * bool(missing)
                           + [f"gesendet, aber nicht in der XBau-Nachricht: {', '.join(extra)}"] * bool(extra))
        raise Rejected([problem("attachments-mismatch", detail, "data")])
