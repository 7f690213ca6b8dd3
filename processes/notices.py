"""Shared steps of all procedures that act on the case file: notices, delivery, zdA.

Each function is a case operation (engine/registry.py): it runs inside the
transaction of the step that called it, so a notice exists in the file
exactly when the process moved past the step that issued it.
"""

from __future__ import annotations

from typing import Callable

from eakte import akten
from eakte.dokumente import get_version
from eakte.models import Akte, Vorgang
from eakte.rendering import DocumentMeta
from eakte.siegel import Sealer
from eakte.storage import DocumentStore
from eakte.zustellung import file_notice, make_available
from engine import jobs
from engine.models import Authority
from engine.registry import CaseCall
from processes.payment.config import PaymentConfig
from processes.payment.fees import register_fee
from processes.payment.models import PaymentRequest

SYSTEM_ACTOR = "system"


class CaseFileSteps:
    """Notices, delivery and closing, bound to the document store and the authority's seal."""

    def __init__(self, store: Callable[[], DocumentStore], sealer: Callable[[], Sealer | None],
                 public_base_url: str = "http://127.0.0.1:5000", payments: PaymentConfig | None = None):
        self._store = store
        self._sealer = sealer
        self._public_base_url = public_base_url.rstrip("/")
        self._payments = payments or PaymentConfig()

    def fee(self, call: CaseCall, *, amount_cents: int, purpose: str) -> PaymentRequest:
        """Set a fee of the calling case under a new Kassenzeichen (the fee notice names it)."""
        authority = call.session.get(Authority, call.case.authority_id)
        return register_fee(call.session, call.case, amount_cents=amount_cents, purpose=purpose,
                            prefix=self._payments.prefix(authority.slug), now=call.now)

    def vorgang(self, call: CaseCall) -> Vorgang:
        """Return the Vorgang that records the calling case."""
        return akten.vorgang_of_case(call.session, call.case.id)

    def issue_rendered(self, call: CaseCall, render: Callable[[DocumentMeta], bytes], *, title: str, subject: str,
                       doc_type: str) -> dict:
        """Seal and file the document ``render(meta)`` returns (PDF/A); return what the process needs to know."""
        vorgang = self.vorgang(call)
        akte = call.session.get(Akte, vorgang.akte_id)
        authority = call.session.get(Authority, call.case.authority_id)
        meta = DocumentMeta(title=title, aktenzeichen=akte.aktenzeichen, author=authority.name,
                            authority=authority.name, created_at=call.now, subject=subject)
        version = file_notice(call.session, self._store(), self._sealer(), vorgang, render(meta), meta=meta,
                              subject=subject, doc_type=doc_type, actor=SYSTEM_ACTOR, now=call.now)
        return {"dokument_id": version.dokument_id, "version": version.version, "sha256": version.sha256,
                "datum": call.now.date().isoformat()}

    def deliver(self, call: CaseCall, dokument_ids: list, empfaenger: str, ttl_days: int = 10,
                bezeichnung: str = "Ihr Bescheid") -> dict:
        """Make notices available for download and send the links to the applicant's mailbox.

        The links carry secret tokens: they go only into an outbox job (sent by
        the worker through the ``postfach.senden`` operation, then erased), never
        into the case data or the audit log. What the case keeps is the proof:
        which delivery, when it was made available.
        """
        deliveries, links = [], []
        for dokument_id in dokument_ids:
            version = get_version(call.session, call.case.authority_id, dokument_id)
            zustellung, token = make_available(call.session, version, recipient=empfaenger, now=call.now,
                                               ttl_days=ttl_days, actor=SYSTEM_ACTOR)
            deliveries.append({"zustellung_id": zustellung.id, "dokument_id": dokument_id,
                               "bereitgestellt_am": call.now.isoformat(), "abrufbar_bis": zustellung.expires_at.isoformat()})
            links.append(f"{self._public_base_url}/api/v1/delivery/{token}/content")
        jobs.enqueue(
            call.session, "outbox", now=call.now, case_id=call.case.id, authority_id=call.case.authority_id,
            payload={"operation": "postfach.senden", "params": {
                "empfaenger": empfaenger, "links": links,
                "betreff": f"{bezeichnung} – Aktenzeichen {call.case.business_key}",
                "text": (f"{bezeichnung} steht {ttl_days} Tage lang zum Abruf für Sie bereit. Ein Bescheid gilt am "
                         "Tag nach dem Abruf als bekannt gegeben (§ 41 Abs. 2a VwVfG)."),
            }},
        )
        return {"zustellungen": deliveries}

    def close_file(self, call: CaseCall) -> dict:
        """Close the case's file (zdA) as the procedure's last step."""
        akte = call.session.get(Akte, self.vorgang(call).akte_id)
        akten.close_akte(call.session, akte, now=call.now, actor=SYSTEM_ACTOR)
        return {"aktenzeichen": akte.aktenzeichen, "geschlossen_am": call.now.isoformat(),
                "aufbewahrung_bis": akte.retention_until.isoformat() if akte.retention_until else "dauernd"}
