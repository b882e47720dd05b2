"""PAdES B-LT and B-LTA: validation data and the document timestamp, added once after the last seal.

One incremental revision holds the Document Security Store (every certificate of every signer's and
time-stamping chain, the OCSP responses and CRLs that prove them unrevoked) and, for B-LTA, a document
timestamp over the whole file including that DSS; pyHanko then appends the document timestamp's own
validation data in one more revision, so the archive chain can be extended before the TSA expires.
The revocation data is handed in by the caller (the platform's own CA produces it in-process), and
validation runs with fetching disabled, so nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext

from . import aio
from .errors import PdfRejected

__all__ = ["DOC_TIMESTAMP_FIELD", "RevocationMaterial", "add_long_term_data"]

DOC_TIMESTAMP_FIELD = "DocTimeStamp"
DOC_TIMESTAMP_BYTES_RESERVED = 16384


@dataclass(frozen=True)
class RevocationMaterial:
    """DER OCSP responses, CRLs and extra certificates (the TSA's, the OCSP responder's)."""

    ocsps: Sequence[bytes] = ()
    crls: Sequence[bytes] = ()
    certs: Sequence[bytes] = field(default_factory=tuple)


def offline_context(trust_roots_der: Sequence[bytes], material: RevocationMaterial) -> ValidationContext:
    """A hard-fail validation context that knows only what it is given."""
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(d) for d in trust_roots_der],
        other_certs=[asn1_x509.Certificate.load(d) for d in material.certs],
        ocsps=[asn1_ocsp.OCSPResponse.load(d) for d in material.ocsps],
        crls=[asn1_crl.CertificateList.load(d) for d in material.crls],
        allow_fetching=False,
        revocation_mode="hard-fail",
    )


def add_long_term_data(pdf: bytes, trust_roots_der: Sequence[bytes], material: RevocationMaterial,
                       archive_timestamper: TimeStamper | None = None) -> bytes:
    """Return ``pdf`` plus one revision with the DSS (B-LT) and, with a timestamper, a document
    timestamp (B-LTA).

    Every signature's chain, and the chains of the timestamps inside them, must validate with the
    given material, else ``PdfRejected("cannot_sign")``: a B-LT file that lacks what a verifier needs
    would be worse than an honest failure.
    """

    async def run() -> bytes:
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            signatures = list(reader.embedded_regular_signatures)
        except Exception as exc:
            raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
        if not signatures:
            raise PdfRejected("cannot_sign", "文件中没有签名，无法添加长期验证信息")
        context = offline_context(trust_roots_der, material)
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        try:
            for embedded in signatures:
                paths = await collect_validation_info(embedded, context)
                DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=context,
                                                           embed_roots=True)
            output = BytesIO()
            if archive_timestamper is None:
                writer.write(output)
            else:
                await PdfTimeStamper(archive_timestamper, field_name=DOC_TIMESTAMP_FIELD).async_timestamp_pdf(
                    writer, "sha256", validation_context=context, bytes_reserved=DOC_TIMESTAMP_BYTES_RESERVED,
                    output=output,
                )
        except PdfRejected:
            raise
        except Exception as exc:
            raise PdfRejected("cannot_sign", f"无法添加长期验证信息：{exc}") from exc
        return output.getvalue()

    return aio.run(run())
