"""The tables of the procedure layer (imported so that the metadata knows every table)."""

from processes.fitconnect.models import FitConnectSubmission
from processes.payment.models import PaymentRequest
from processes.portal.models import ApplicantAccount, CaseLink

__all__ = ["ApplicantAccount", "CaseLink", "FitConnectSubmission", "PaymentRequest"]
