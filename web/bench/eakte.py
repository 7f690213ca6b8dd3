"""`aktenfluss bench eakte`: storing documents through the E-Akte vs raw S3 PUTs.

Both sides upload the same number of distinct 1 MB PDFs to the same S3
server in one run. The E-Akte side does everything a real upload does:
content checks (media type sniffing, pikepdf inspection), hashing, the
content-addressed PUT, the document and version rows and the audit event,
one transaction per document. The raw side is the minio client's
``put_object`` of a PDF of the same size, through the same client. The two
sides alternate document by document (taking turns at going first), so both
see the same machine load and server state, and the first ``WARM_UP``
documents of each side (connections, region lookup, statement caches) are not
counted. It writes into the configured database and bucket under a
throw-away authority.
"""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass

import pikepdf
from sqlalchemy.orm import joinedload

from eakte import akten
from eakte.aktenplan import load_file_plan
from eakte.dokumente import store_document
from eakte.models import Vorgang
from eakte.intake import check_content
from eakte.storage import S3Store, open_store
from engine.db import make_engine, make_session_factory, transaction, utcnow
from engine.identity import create_authority


WARM_UP = 3
"""Documents per side stored before the measurement starts."""


@dataclass(frozen=True)
class EakteBenchResult:
    """Figures of one run."""

    documents: int
    eakte_per_second: float
    raw_put_per_second: float

    @property
    def ratio(self) -> float:
        return self.eakte_per_second / self.raw_put_per_second


def make_pdf(size: int = 1024 * 1024) -> bytes:
    """Build a valid, unique PDF of about ``size`` bytes (one page, one incompressible stream)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    payload = uuid.uuid4().bytes * (size // 16)
    pdf.pages[0].Contents = pdf.make_stream(b"q Q\n")
    pdf.Root.Payload = pdf.make_stream(payload)  # stands in for scanned pages
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def run(database_url: str, storage_url: str, documents: int = 50) -> EakteBenchResult:
    """Measure both sides with ``documents`` distinct 1 MB PDFs each."""
    store = open_store(storage_url)
    if not isinstance(store, S3Store):
        raise ValueError("bench eakte needs an s3:// storage URL (it compares against raw S3 PUTs)")
    engine = make_engine(database_url)
    try:
        return _measure(make_session_factory(engine), store, documents)
    finally:
        engine.dispose()


def _measure(sessions, store: S3Store, documents: int) -> EakteBenchResult:
    with transaction(sessions) as session:
        authority = create_authority(session, f"bench-{uuid.uuid4().hex[:10]}", "Benchmark")
        [unit] = load_file_plan(session, authority.id, {
            "units": [{"code": "99.99", "title": "Benchmark", "retention_years": 1, "disposal": "V"}],
            "processes": {},
        })
        akte = akten.open_akte(session, authority_id=authority.id, unit=unit, title="Benchmark", now=utcnow(), actor="bench")
        vorgang_id = akten.add_vorgang(session, akte, case_id=None, title="Benchmark", now=utcnow()).id
    def through_eakte(data: bytes) -> None:
        with transaction(sessions) as session:
            vorgang = session.get(Vorgang, vorgang_id, options=[joinedload(Vorgang.akte)])
            store_document(session, store, vorgang, check_content(data, "scan.pdf"), subject="Bauvorlage",
                           doc_type="Bauvorlage", direction="incoming", actor="bench", now=utcnow())

    def raw_put(data: bytes) -> None:
        store.client.put_object(store.bucket, f"bench/{uuid.uuid4().hex}", io.BytesIO(data), len(data),
                                content_type="application/pdf")

    seconds = {through_eakte: 0.0, raw_put: 0.0}
    for number in range(WARM_UP + documents):
        sides = [(through_eakte, make_pdf()), (raw_put, make_pdf())]
        for side, data in sides if number % 2 else reversed(sides):
            started = time.perf_counter()
            side(data)
            if number >= WARM_UP:
                seconds[side] += time.perf_counter() - started
    return EakteBenchResult(documents, documents / seconds[through_eakte], documents / seconds[raw_put])
