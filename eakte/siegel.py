"""Electronic seal of the authority on generated PDF/A documents (PAdES, pyHanko).

A notice is sealed with the authority's seal certificate as a PAdES baseline
signature, level B-B: the signer's certificate chain is embedded, the signing
time is the time the signer states (``/M``). Level B-T would add a signature
timestamp from a timestamp authority (RFC 3161); no such server is reachable
here (offline), so none is used. Validation never fetches anything either
(no OCSP/CRL requests): the chain is checked against the trust roots given.

PDF/A: the seal is an incremental update, so the rendered bytes stay
unchanged in front of it. The signature field is invisible (zero-size widget
with the print flag set, no appearance needed under PDF/A-2), and pyHanko
writes no filter on the metadata stream. pyHanko does rewrite the XMP packet
(it keeps ``pdfaid``) and always sets the XMP ``pdf:Producer`` to its own name
while appending that name to the info dictionary's ``/Producer``; since PDF/A
requires the two to agree, the producer is set to pyHanko's name in both
before sealing. Nothing here validates PDF/A (no veraPDF in this project).

Configuration (``Sealer.from_config``): ``SEAL_KEY_FILE`` and
``SEAL_CERT_FILE`` (PEM or DER), optional ``SEAL_CHAIN_FILES`` (intermediate
and root certificates, separated by ``os.pathsep``) and ``SEAL_PASSPHRASE``
for an encrypted key; each may also be given with the prefix ``AKTENFLUSS_``
(environment variable names).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pikepdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

SEAL_FIELD = "Siegel"
SEAL_REASON = "Elektronisches Siegel der Behörde"
SEAL_LEVEL = "PAdES-B-B"
CONFIG_KEYS = ("SEAL_KEY_FILE", "SEAL_CERT_FILE", "SEAL_CHAIN_FILES", "SEAL_PASSPHRASE")


_MAX_NAME_ATTRIBUTE = 64
"""Longest organisation or common name in a certificate (RFC 5280 upper bounds)."""


class SealError(Exception):
    """The seal cannot be applied or its configuration is unusable."""


@dataclass(frozen=True)
class Sealer:
    """The authority's seal: signing key, seal certificate and its chain.

    Attributes:
        signer: pyHanko signer holding the key and certificates.
        organisation: Organisation named in the seal certificate (the authority).
    """

    signer: signers.SimpleSigner
    organisation: str

    @classmethod
    def load(
        cls, key_file: str | Path, cert_file: str | Path, chain_files: Iterable[str | Path] = (),
        passphrase: str | None = None,
    ) -> Sealer:
        """Load the seal key and certificate (PEM or DER) and the certificate chain.

        Raises:
            SealError: A file is missing or unreadable, the passphrase is
                wrong, or the key does not belong to the certificate.
        """
        try:
            key = load_private_key_from_pemder(str(key_file), passphrase.encode() if passphrase else None)
            cert = load_cert_from_pemder(str(cert_file))
            chain = list(load_certs_from_pemder([str(path) for path in chain_files]))
        except (OSError, ValueError, TypeError) as exc:
            raise SealError(f"cannot load the seal key or certificates: {exc}") from exc
        if _public_key_der(key) != cert.public_key.dump():
            raise SealError(f"the key in {key_file} does not belong to the certificate in {cert_file}")
        signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                      cert_registry=SimpleCertificateStore.from_certs(chain))
        return cls(signer=signer, organisation=_organisation(cert))

    @classmethod
    def from_config(cls, settings: Mapping[str, object]) -> Sealer | None:
        """Build the sealer from settings (app config or environment); ``None`` if no seal is configured.

        Raises:
            SealError: Only one of key and certificate is configured, or they
                cannot be loaded.
        """
        values = {key: settings.get(key) or settings.get(f"AKTENFLUSS_{key}") for key in CONFIG_KEYS}
        key_file, cert_file = values["SEAL_KEY_FILE"], values["SEAL_CERT_FILE"]
        if not key_file and not cert_file:
            return None
        if not key_file or not cert_file:
            raise SealError("configure both SEAL_KEY_FILE and SEAL_CERT_FILE, or neither")
        chain = values["SEAL_CHAIN_FILES"] or ()
        if isinstance(chain, str):
            chain = [part for part in chain.split(os.pathsep) if part]
        return cls.load(key_file, cert_file, chain, values["SEAL_PASSPHRASE"] or None)

    @property
    def subject(self) -> str:
        """The seal certificate's subject, readable."""
        return self.signer.signing_cert.subject.human_friendly


@dataclass(frozen=True)
class SealReport:
    """Result of checking the seal of a PDF.

    Attributes:
        valid: The seal is intact and its certificate chains to a trust root.
        intact: The signed bytes are unchanged (digest and signature match).
        trusted: The seal certificate chains to one of the trust roots.
        signer: Subject of the seal certificate (``None`` without a seal).
        signed_at: Signing time stated by the signer.
        covers_whole_file: Nothing was appended after the seal.
        level: PAdES level: ``PAdES-B-B``, or ``PAdES-B-T`` with a signature timestamp.
        problem: Why the seal is not valid, if it is not.
    """

    valid: bool
    intact: bool
    trusted: bool
    signer: str | None = None
    signed_at: datetime | None = None
    covers_whole_file: bool = False
    level: str | None = None
    problem: str | None = None


def seal_pdf(pdf_bytes: bytes, sealer: Sealer) -> bytes:
    """Apply the authority's seal (PAdES B-B, invisible) to a PDF.

    Args:
        pdf_bytes: An unsigned PDF, typically a rendered PDF/A notice.
        sealer: The seal to apply.

    Returns:
        The sealed PDF: the input (with the producer aligned, see the module
        notes) followed by the signature as an incremental update.

    Raises:
        SealError: The PDF cannot be read or already carries a signature.
    """
    prepared = _align_producer(pdf_bytes)
    writer = IncrementalPdfFileWriter(io.BytesIO(prepared))
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        name=sealer.organisation, reason=SEAL_REASON,
    )
    return signers.sign_pdf(writer, meta, signer=sealer.signer).getvalue()


def _align_producer(pdf_bytes: bytes) -> bytes:
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            if "/AcroForm" in pdf.Root and any(
                field.get("/FT") == "/Sig" and "/V" in field for field in pdf.Root.AcroForm.get("/Fields", [])
            ):
                raise SealError("the PDF is already signed; sealing it again would break the existing signature")
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                xmp["pdf:Producer"] = VENDOR
            pdf.docinfo.Producer = VENDOR
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False)
    except pikepdf.PdfError as exc:
        raise SealError(f"the PDF cannot be read: {exc}") from exc
    return out.getvalue()


def verify_seal(pdf_bytes: bytes, trust_roots: Iterable[str | Path]) -> SealReport:
    """Check the (latest) seal of a PDF against trust roots, offline.

    Args:
        pdf_bytes: The sealed PDF.
        trust_roots: Files (PEM or DER) with the root certificates to trust.

    Returns:
        The report; a PDF without a seal or one that cannot be parsed is
        reported as not valid, never raised.
    """
    roots = list(load_certs_from_pemder([str(path) for path in trust_roots]))
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        seals = reader.embedded_signatures
    except (PdfError, ValueError) as exc:
        return SealReport(valid=False, intact=False, trusted=False, problem=f"the PDF cannot be read: {exc}")
    if not seals:
        return SealReport(valid=False, intact=False, trusted=False, problem="the PDF has no seal")
    try:
        status = validate_pdf_signature(seals[-1], context)
    except (PdfError, ValueError) as exc:  # pyHanko validation errors are ValueErrors
        return SealReport(valid=False, intact=False, trusted=False, problem=f"the seal cannot be checked: {exc}")
    problem = None
    if not status.intact:
        problem = "the document was changed after sealing"
    elif not status.valid:
        problem = "the seal's signature does not match the certificate"
    elif not status.trusted:
        problem = "the seal certificate does not chain to a trusted root"
    elif not status.bottom_line:
        problem = "the document was modified after sealing in a way that is not allowed"
    return SealReport(
        valid=status.bottom_line, intact=status.intact, trusted=status.trusted,
        signer=status.signing_cert.subject.human_friendly, signed_at=status.signer_reported_dt,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        level="PAdES-B-T" if status.timestamp_validity is not None else SEAL_LEVEL, problem=problem,
    )


def _public_key_der(key) -> bytes:
    public = serialization.load_der_private_key(key.dump(), password=None).public_key()
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _organisation(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    return subject.get("organization_name") or subject.get("common_name") or cert.subject.human_friendly


# --- test certificates ----------------------------------------------------------


def make_test_seal_certificate(
    directory: str | Path, authority_name: str, *, passphrase: str | None = None, valid_days: int = 730,
) -> tuple[Path, Path, Path]:
    """Create a test CA and a seal certificate for an authority (tests and demo only).

    The seal certificate names the authority as organisation, has the key
    usages digitalSignature and nonRepudiation and is issued by a freshly
    created CA ("TEST" in both names); keys are ECDSA P-256. It is not a
    qualified certificate (no QC statements).

    Args:
        directory: Where to write ``seal-key.pem`` (mode 0600),
            ``seal-cert.pem`` and ``ca-cert.pem``; created if missing.
        authority_name: Name of the authority (organisation in the certificate).
        passphrase: Encrypt the seal key with it, if given.
        valid_days: Validity of the seal certificate, from one day ago.

    Returns:
        Paths of the key, the seal certificate and the CA certificate.

    Raises:
        SealError: The name is empty or too long for the certificates' common names (64 characters).
    """
    longest = _MAX_NAME_ATTRIBUTE - len(" – Test-CA (TEST)")
    if not 0 < len(authority_name.strip()) <= longest:
        raise SealError(f"the authority name must be 1-{longest} characters (it goes into the certificate's names)")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority_name),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{authority_name} – Test-CA (TEST)"),
    ])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now, now + timedelta(days=valid_days + 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority_name),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{authority_name} – Siegel (TEST)"),
    ])
    seal_cert = (
        _builder(seal_name, ca_name, seal_key.public_key(), now, now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    key_path, cert_path, ca_path = out / "seal-key.pem", out / "seal-cert.pem", out / "ca-cert.pem"
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(seal_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                encryption))
    cert_path.write_bytes(seal_cert.public_bytes(serialization.Encoding.PEM))
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, ca_path


def _builder(subject: x509.Name, issuer: x509.Name, public_key, now: datetime, until: datetime):
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(until)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(**granted: bool) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
              "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{usage: granted.get(usage, False) for usage in usages})
