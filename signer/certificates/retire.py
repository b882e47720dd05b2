"""Ending a certificate: 已吊销 (revoked on request) or 已收回 (replaced), published on the CRL and OCSP.

The one place a certificate is revoked or withdrawn. Runs inside the caller's transaction, so the status
change, the CRL entry and the audit event commit together or not at all. The keystore share is erased too:
no copy of the old keystore opens again. Signatures made before and proven by a timestamp stay valid (PAdES
B-T and later); the certificate signs nothing afterwards.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signer.applications.models import Application
from signer.applications.rules import SUPERSEDE_REASON
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.transitions import move_certificate
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import NotFound
from signer.core.models import utcnow

ENDED = frozenset({CertificateStatus.REVOKED, CertificateStatus.WITHDRAWN})


def retire(s: Session, ca: CertificateAuthority, cert_id: int, new: CertificateStatus, reason: str,
           actor: Actor | None, details: dict | None = None) -> Certificate:
    """Move the certificate to ``new`` (REVOKED or WITHDRAWN) and revoke its serial with ``reason``."""
    assert new in ENDED
    cert = s.get(Certificate, cert_id)
    if cert is None:
        raise NotFound("证书不存在")
    now = utcnow()
    move_certificate(s, cert.id, cert.status, new, revoked_at=now, revocation_reason=reason,
                     keystore_verifier_enc=None, keystore_share_enc=None)
    if cert.serial_hex:
        ca.revoke_serial(s, cert.serial_hex, reason, now)
    action = AuditAction.CERTIFICATE_REVOKE if new == CertificateStatus.REVOKED else AuditAction.CERTIFICATE_WITHDRAW
    audit.record(s, actor, action, "certificate", cert.id,
                 {"serial": cert.serial_hex, "reason": reason, **(details or {})})
    return cert


def supersede_predecessor(s: Session, ca: CertificateAuthority, successor: Certificate, actor: Actor | None) -> None:
    """The successor is in use now: the certificate it replaces becomes 已收回 (unless it ended already,
    as a reissued or unbound one does at once)."""
    if successor.predecessor_id is None:
        return
    predecessor = s.get(Certificate, successor.predecessor_id)
    if predecessor is None or predecessor.status in ENDED:
        return
    kind = s.scalar(select(Application.kind).where(Application.result_certificate_id == successor.id))
    reason = SUPERSEDE_REASON.get(kind, "superseded") if kind is not None else "superseded"
    retire(s, ca, predecessor.id, CertificateStatus.WITHDRAWN, reason, actor,
           {"successor": successor.id})


def withdraw_undelivered(db: Database, ca: CertificateAuthority, serial_hex: str, cert_id: int,
                         actor: Actor | None) -> None:
    """A certificate was signed but its delivery lost a race: revoke the serial so it can never be used."""
    with db.write() as s:
        ca.revoke_serial(s, serial_hex, "cessation_of_operation")
        audit.record(s, actor, AuditAction.CERTIFICATE_WITHDRAW_UNDELIVERED, "certificate", cert_id,
                     {"serial": serial_hex})
