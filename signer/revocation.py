"""吊销: revoke a certificate (status, CRL and OCSP) in one transaction with its audit event."""

from __future__ import annotations

from datetime import datetime

from . import audit
from .audit import Actor
from .audit_actions import AuditAction
from .ca import CertificateAuthority
from .db import Database
from .enums import CertificateStatus, RevocationReason
from .errors import Conflict, ErrorCode, NotFound
from .models import Certificate, utcnow
from .transitions import move_certificate


def revoke_certificate(db: Database, ca: CertificateAuthority, cert_id: int, reason: RevocationReason,
                       actor: Actor | None, when: datetime | None = None) -> None:
    """Mark the certificate 已吊销 and publish its serial on the CRL and OCSP, atomically.

    Signatures made before ``when`` and proven by a timestamp stay valid (PAdES B-T and later);
    the certificate can sign nothing afterwards. Conflict when it is already revoked.
    """
    when = when or utcnow()
    with db.write() as s:
        cert = s.get(Certificate, cert_id)
        if cert is None:
            raise NotFound("证书不存在")
        if cert.status == CertificateStatus.REVOKED:
            raise Conflict("证书已吊销", code=ErrorCode.ALREADY_REVOKED)
        move_certificate(s, cert.id, cert.status, CertificateStatus.REVOKED, revoked_at=when,
                         revocation_reason=reason.value)
        if cert.serial_hex:
            ca.revoke_serial(s, cert.serial_hex, reason.value, when)
        audit.record(s, actor, AuditAction.CERTIFICATE_REVOKE, "certificate", cert.id,
                     {"serial": cert.serial_hex, "reason": reason.value})
