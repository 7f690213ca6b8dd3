"""An online service (sender) that submits applications through FIT-Connect, for tests and the demo.

It does what a real online service (e.g. the MV-Serviceportal) does with the
Submission API: get a token, read the destination's encryption key, build the
metadata (hashes of the plaintext, the data set's schema, attachments, the
applicant's identification report, a reply channel), announce the submission,
upload the encrypted attachments and submit encrypted metadata and data set.
For negative tests it can encrypt with another key or state a wrong hash.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass

import requests

from processes.fitconnect.jose import canonical, encrypt

METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"


@dataclass(frozen=True)
class Attachment:
    """A file sent with the application."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"
    purpose: str = "attachment"
    description: str | None = None


@dataclass(frozen=True)
class Sent:
    """What the Zustelldienst answered."""

    submission_id: str
    case_id: str


class OnlineService:
    """A sender client of the Submission API."""

    def __init__(self, api_url: str, token_url: str, client_id: str, client_secret: str, timeout: float = 10.0):
        self.api_url, self.token_url = api_url.rstrip("/"), token_url
        self.client_id, self.client_secret, self.timeout = client_id, client_secret, timeout

    def send(self, destination_id: str, service: str, data: bytes, *, schema_uri: str, mime_type: str,
             attachments: list[Attachment] = (), identification_report: str | None = None,
             reply_email: str | None = None, encryption_key: dict | None = None,
             data_hash: str | None = None, service_name: str = "") -> Sent:
        """Submit an application to a destination.

        Args:
            service: The LeiKa URN of the service.
            identification_report: The eID broker's signed report (compact JWT) of the applicant, if any.
            encryption_key: Encrypt for this public JWK instead of the destination's (a negative test).
            data_hash: State this SHA-512 for the data set instead of the right one (a negative test).
        """
        headers = {"Authorization": f"Bearer {self._token()}"}
        key = encryption_key or self._encryption_key(destination_id, headers)
        ids = [str(uuid.uuid4()) for _ in attachments]
        created = self._call("POST", "/v1/submissions", headers, json={
            "destinationId": destination_id, "announcedAttachments": ids,
            "serviceType": {"identifier": service, "name": service_name}}).json()
        for attachment_id, attachment in zip(ids, attachments):
            self._call("PUT", f"/v1/submissions/{created['submissionId']}/attachments/{attachment_id}",
                       {**headers, "Content-Type": "application/jose"},
                       data=encrypt(attachment.content, key, attachment.mime_type).encode("ascii"))
        metadata = {
            "$schema": METADATA_SCHEMA,
            "contentStructure": {
                "data": {"hash": {"type": "sha512", "content": data_hash or hashlib.sha512(data).hexdigest()},
                         "submissionSchema": {"schemaUri": schema_uri, "mimeType": mime_type}},
                "attachments": [{"attachmentId": attachment_id, "purpose": a.purpose, "filename": a.filename,
                                 "mimeType": a.mime_type, "description": a.description or a.filename,
                                 "hash": {"type": "sha512", "content": hashlib.sha512(a.content).hexdigest()}}
                                for attachment_id, a in zip(ids, attachments)],
            },
            "publicServiceType": {"identifier": service, "name": service_name},
            "additionalReferenceInfo": {"senderReference": f"MV-Serviceportal-{uuid.uuid4().hex[:8]}"},
        }
        if reply_email:
            metadata["replyChannel"] = {"eMail": {"address": reply_email}}
        if identification_report:
            content = base64.urlsafe_b64encode(identification_report.encode("ascii")).rstrip(b"=").decode("ascii")
            metadata["authenticationInformation"] = [{"type": "identificationReport", "version": "1.0.0",
                                                      "content": content}]
        self._call("PUT", f"/v1/submissions/{created['submissionId']}", headers, json={
            "encryptedMetadata": encrypt(canonical(metadata), key, "application/json"),
            "encryptedData": encrypt(data, key, mime_type)})
        return Sent(created["submissionId"], created["caseId"])

    def _token(self) -> str:
        response = requests.post(self.token_url, timeout=self.timeout, data={
            "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret})
        response.raise_for_status()
        return response.json()["access_token"]

    def _encryption_key(self, destination_id: str, headers: dict) -> dict:
        destination = self._call("GET", f"/v1/destinations/{destination_id}", headers).json()
        return self._call("GET", f"/v1/destinations/{destination_id}/keys/{destination['encryptionKid']}",
                          headers).json()

    def _call(self, method: str, path: str, headers: dict, **kwargs):
        response = requests.request(method, self.api_url + path, headers=headers, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response
