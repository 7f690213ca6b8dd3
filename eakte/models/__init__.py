"""Tables of the E-Akte, one module per aggregate."""

from eakte.models.akte import Akte, ArchiveHandover, ArchiveOffer, Vorgang
from eakte.models.aktenplan import FileNumberCounter, FilePlanUnit, ProcessUnitMapping
from eakte.models.audit import AuditEvent, AuditHead
from eakte.models.dokument import Dokument, DokumentVersion
from eakte.models.zustellung import Zustellung

__all__ = [
    "Akte", "ArchiveHandover", "ArchiveOffer", "AuditEvent", "AuditHead", "Dokument", "DokumentVersion",
    "FileNumberCounter", "FilePlanUnit", "ProcessUnitMapping", "Vorgang", "Zustellung",
]
