"""The one issuance path: every certificate the platform signs for a user goes through ``issue``.

Download to a phone (a CSR), installing a renewal on the same phone (its public key, re-certified) and
shipping a physical KEY (the token's CSR or its old key) differ only in the key they bring and in what the
caller writes with the certificate. The steps are the same and live here:

1. the period: the planned end, or ``validity_years`` from now (29 February → 28 February);
2. intent: the serial and an "about to issue" audit event are committed before signing (``ca.issue``);
3. the row: 待下载/待制作 → 已生效 (a KEY: → 邮寄中) by compare-and-set with the certificate's fields, the
   caller's extra columns and moves, the caller's audit event, and the predecessor withdrawn once the new
   certificate is in use — one transaction;
4. a lost race: the signed certificate is revoked at once, so it can never be used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signer.accounts.models import Enterprise
from signer.ca import pki
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.retire import supersede_predecessor, withdraw_undelivered
from signer.certificates.transitions import move_certificate
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get
from signer.core.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.core.timeutil import add_years

BACKDATE = timedelta(minutes=5)  # tolerate devices whose clocks run slightly behind


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    serial_hex: str
    chain: list[x509.Certificate]

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def chain_pem(self) -> list[str]:
        return [c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain]


def planned_not_after(cert: Certificate, now: datetime) -> datetime:
    """The end of the certificate's period: planned by its application, or ``validity_years`` from now."""
    return cert.planned_not_after or add_years(now, cert.validity_years)


def issue(db: Database, ca: CertificateAuthority, cert_id: int, expected: CertificateStatus, actor: Actor | None,
          action: AuditAction, details: Mapping[str, Any], *, csr: bytes | None = None,
          public_key: CertificatePublicKeyTypes | None = None,
          columns: Callable[[Session], dict[str, Any]] | None = None,
          also: Callable[[Session], None] | None = None, now: datetime | None = None,
          to: CertificateStatus = CertificateStatus.EFFECTIVE) -> IssuedCertificate:
    """Issue certificate ``cert_id`` (now ``expected``) for ``csr`` or ``public_key`` and make it ``to``.

    ``to`` is 已生效, or 邮寄中 for a KEY on its way (it takes effect, and replaces its predecessor, when
    it is received: signer/applications/keyshipping.py).

    ``public_key`` re-certifies a key this CA certified before (an EC key; anything else is refused).

    ``columns`` returns extra column values (device, keystore enrollment) inside the write transaction;
    ``also`` makes the caller's other moves there (e.g. the KEY's shipping). The audit event ``action``
    carries ``details`` and the serial. Conflict when the row moved meanwhile (the certificate is withdrawn).
    """
    if public_key is not None and not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise Conflict("原证书的密钥类型不支持续用", code=ErrorCode.KEY_TYPE)
    with db.read() as s:
        cert = s.get(Certificate, cert_id)
        if cert is None:
            raise NotFound("证书不存在")
        enterprise = must_get(s, Enterprise, cert.enterprise_id)
        sequence = next_sequence(s, cert.enterprise_id)
    now = now or utcnow()
    subject = pki.leaf_subject(enterprise.name, sequence, int(now.timestamp() * 1000))
    try:
        issued = ca.issue(csr, subject, now - BACKDATE, planned_not_after(cert, now), actor, cert.id,
                          public_key=public_key)
    except pki.CsrRejected as exc:
        raise ValidationFailed(f"证书请求无效：{exc}", code=ErrorCode.BAD_CSR) from exc
    serial_hex = format(issued.serial_number, "x")
    try:
        with db.write() as s:
            extra = columns(s) if columns is not None else {}
            move_certificate(
                s, cert.id, expected, to,
                serial_hex=serial_hex, subject=issued.subject.rfc4514_string(),
                not_before=issued.not_valid_before_utc, not_after=issued.not_valid_after_utc,
                certificate_der=issued.public_bytes(serialization.Encoding.DER), failed_unlocks=0, **extra,
            )
            if also is not None:
                also(s)
            audit.record(s, actor, action, "certificate", cert.id, {**details, "serial": serial_hex})
            if to == CertificateStatus.EFFECTIVE:
                supersede_predecessor(s, ca, cert, actor)
    except Conflict:
        withdraw_undelivered(db, ca, serial_hex, cert.id, actor)
        raise
    return IssuedCertificate(issued, serial_hex, ca.chain())


def next_sequence(session: Session, enterprise_id: int) -> int:
    """The ``n`` of the manual's DN style: how many certificates this enterprise has been issued."""
    count = session.scalar(
        select(func.count()).select_from(Certificate).where(
            Certificate.enterprise_id == enterprise_id, Certificate.serial_hex.is_not(None)
        )
    )
    return int(count or 0) + 1
