"""Tables of the E-Akte, one module per aggregate."""

from eakte.models.audit import AuditEvent, AuditHead

__all__ = ["AuditEvent", "AuditHead"]
