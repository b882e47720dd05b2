"""Validation of the signatures in a PDF against the platform's trust roots.

Revocation is checked in soft-fail mode without network fetching: revocation information embedded in
the document is used, missing information is not an error. Only regular signatures (/Sig) are
reported; document timestamps are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from . import aio
from .errors import PdfRejected


@dataclass(frozen=True)
class SignatureReport:
    """The outcome for one signature.

    ``intact``: the byte-range digest matches; ``valid``: the signature value verifies; ``trusted``:
    the signer's certificate chains to a trust root (and is not known to be revoked). ``coverage`` and
    ``modification_level`` are the names of pyHanko's ``SignatureCoverageLevel`` and
    ``ModificationLevel`` (None when the difference analysis could not tell). ``bottom_line`` is
    pyHanko's overall verdict, which also requires the later revisions to be acceptable changes.
    ``error`` is set when the signature could not be evaluated at all.
    """

    field_name: str
    signer_subject: str | None
    serial: str | None
    signing_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: str | None
    modification_level: str | None
    bottom_line: bool
    error: str | None = None


def validate_pdf(
    pdf: bytes,
    trust_roots_der: Sequence[bytes],
    other_certs_der: Sequence[bytes] = (),
) -> list[SignatureReport]:
    """Validate every signature in ``pdf``, oldest first. An unsigned PDF gives an empty list.

    Raises ``PdfRejected("unreadable")`` when the file cannot be parsed at all; a signature that
    cannot be evaluated is reported with ``error`` set and every verdict False.
    """
    trust_roots = [asn1_x509.Certificate.load(der) for der in trust_roots_der]
    other_certs = [asn1_x509.Certificate.load(der) for der in other_certs_der]

    async def run() -> list[SignatureReport]:
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            signatures = list(reader.embedded_regular_signatures)
        except Exception as exc:
            raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
        reports = []
        for emb in signatures:
            context = ValidationContext(
                trust_roots=trust_roots,
                other_certs=other_certs,
                allow_fetching=False,
                revocation_mode="soft-fail",
            )
            reports.append(await _validate_one(emb, context))
        return reports

    return aio.run(run())


def all_valid(reports: Iterable[SignatureReport]) -> bool:
    """True when there is at least one signature and every one has a positive bottom line."""
    reports = list(reports)
    return bool(reports) and all(r.bottom_line for r in reports)


async def _validate_one(emb: EmbeddedPdfSignature, context: ValidationContext) -> SignatureReport:
    field_name = str(emb.field_name)
    try:
        status = await async_validate_pdf_signature(emb, context)
    except Exception as exc:
        subject, serial = _describe_signer(emb)
        return SignatureReport(
            field_name=field_name,
            signer_subject=subject,
            serial=serial,
            signing_time=None,
            intact=False,
            valid=False,
            trusted=False,
            coverage=None,
            modification_level=None,
            bottom_line=False,
            error=f"{type(exc).__name__}: {exc}",
        )
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    modification_level = status.modification_level
    return SignatureReport(
        field_name=field_name,
        signer_subject=cert.subject.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        signing_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=None if status.coverage is None else status.coverage.name,
        modification_level=None if modification_level is None else modification_level.name,
        bottom_line=bool(status.bottom_line),
    )


def _describe_signer(emb: EmbeddedPdfSignature) -> tuple[str | None, str | None]:
    try:
        cert = x509.load_der_x509_certificate(emb.signer_cert.dump())
    except Exception:
        return None, None
    return cert.subject.rfc4514_string(), format(cert.serial_number, "x")
