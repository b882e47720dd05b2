"""K7 验证: anyone may check a signed PDF against the platform's root, with today's revocation data."""

from __future__ import annotations

import base64
import re
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from pdfsign.errors import PdfRejected
from pdfsign.verify import VERDICT_OF_CASE, Case
from signer.accounts.models import Account
from signer.ca.service import CertificateAuthority
from signer.certificates.models import Certificate
from signer.core import ratelimit
from signer.core.config import Config
from signer.core.db import Database
from signer.core.errors import ErrorCode, TooLarge, Unprocessable
from signer.seals.enums import SEAL_KIND_LABELS, SealKind
from signer.signing.signing_pool import SigningPool

__all__ = ["VERDICT_OF_CASE", "Case", "VerificationService", "seal_kind_of"]
_FIELD_KIND = re.compile(r"^Seal\d+_(?P<kind>[a-z_]+)$")
RATE_LIMIT = 30  # verifications per client address and minute


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seal_kind_of(field_name: str) -> SealKind | None:
    """Signature fields made by this platform are named ``Seal<n>_<kind>``."""
    match = _FIELD_KIND.match(field_name)
    try:
        return SealKind(match["kind"]) if match else None
    except ValueError:
        return None


def _person(common_name: str | None) -> str | None:
    """A certificate's CN names a person unless it is the manual's ``1@<enterprise>@<ms>@<n>`` identifier."""
    return None if common_name is None or "@" in common_name else common_name


class VerificationService:
    def __init__(self, db: Database, pool: SigningPool, ca: CertificateAuthority, config: Config) -> None:
        self.db = db
        self.pool = pool
        self.ca = ca
        self.config = config

    def verify(self, pdf: bytes, ip: str) -> dict[str, Any]:
        """The per-signature report and the overall verdict (``pdfsign.verify.assess``: ``verdict`` and
        ``case``, each signature's ``case``); rate-limited per client address."""
        ratelimit.hit(self.db, f"verify:{ip}", RATE_LIMIT, 60, "验证请求过于频繁，请稍后再试")
        if len(pdf) > self.config.max_pdf_bytes:
            raise TooLarge(f"文件超过{self.config.max_pdf_bytes // (1024 * 1024)}MB")
        root = self.ca.root.public_bytes(serialization.Encoding.DER)
        current = {"crls": [_b64(self.ca.crl_der()), _b64(self.ca.root_crl_der())], "ocsps": [], "certs": []}
        try:
            result = self.pool.request("verify", pdf=_b64(pdf), roots=[_b64(root)], current=current,
                                       max_bytes=self.config.max_pdf_bytes)
        except PdfRejected as exc:
            status = TooLarge if exc.code == "too_large" else Unprocessable
            raise status(exc.message, code=ErrorCode.for_pdf(exc.code)) from exc
        for signature in result["signatures"]:
            signature["signer_name"] = self._holder(signature.get("serial")) or _person(signature.get("signer_name"))
            kind = seal_kind_of(signature["field_name"])
            signature["seal"] = kind.value if kind else None
            signature["seal_label"] = SEAL_KIND_LABELS[kind] if kind else None
        return result

    def _holder(self, serial: str | None) -> str | None:
        """The person a certificate of this platform belongs to (its CN is an identifier, not a name)."""
        if not serial:
            return None
        with self.db.read() as s:
            return s.scalar(select(Account.display_name).join(Certificate, Certificate.bound_account_id == Account.id)
                            .where(Certificate.serial_hex == serial.lower()))
