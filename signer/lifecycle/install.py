"""H2 for a certificate that keeps its key (续签, 变更, 延长有效期): the APP installs it on the same phone.

No new key and no CSR: the phone answers an unlock challenge of the certificate it holds (its signing
password; wrong answers count towards the same 5-try lockout), the server re-certifies that certificate's
public key with the new period and subject, moves the successor to 已生效 with the keystore enrollment and
a fresh share, and withdraws the predecessor (已收回, on the CRL) in the same transaction. The phone gets
the old share (to open its keystore) and the new one (to re-seal the key under the new serial).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keystore import server as ks_server

from .. import audit, pki
from ..accounts import AppIdentity
from ..audit_actions import AuditAction
from ..ca import CertificateAuthority
from ..certificates import CertificateService
from ..db import Database, must_get
from ..enums import CertificateKind, CertificateStatus
from ..errors import Conflict, ErrorCode, NotFound
from ..models import Certificate, Enterprise, UnlockChallenge, utcnow
from ..transitions import move_certificate
from .retire import supersede_predecessor, withdraw_undelivered
from .rules import add_years


@dataclass(frozen=True)
class Installed:
    certificate_pem: str
    chain_pem: list[str]
    old_share: bytes
    share: bytes
    serial_hex: str
    predecessor_id: int


class InstallService:
    def __init__(self, db: Database, ca: CertificateAuthority, certs: CertificateService) -> None:
        self.db = db
        self.ca = ca
        self.certs = certs

    def _pair(self, s, who: AppIdentity, cert_id: int) -> tuple[Certificate, Certificate]:
        successor = s.get(Certificate, cert_id)
        if successor is None or successor.bound_account_id != who.account.id:
            raise NotFound("证书不存在")
        if successor.kind != CertificateKind.MOBILE or not successor.reuse_key or successor.predecessor_id is None:
            raise Conflict("此证书需要在手机上生成新密钥，请使用下载证书", code=ErrorCode.DOWNLOAD_WITH_NEW_KEY)
        if successor.status != CertificateStatus.PENDING_DOWNLOAD:
            raise Conflict("证书不是待下载状态，不能安装", code=ErrorCode.ILLEGAL_TRANSITION)
        predecessor = s.get(Certificate, successor.predecessor_id)
        if predecessor is None or predecessor.device_id != who.device.id:
            raise Conflict("原证书不在本设备上，请在原手机上安装", code=ErrorCode.WRONG_DEVICE)
        return successor, predecessor

    def challenge(self, who: AppIdentity, cert_id: int) -> UnlockChallenge:
        """An unlock challenge of the predecessor (the keystore on this phone)."""
        with self.db.write() as s:
            _, predecessor = self._pair(s, who, cert_id)
            usable = self.certs._usable_on_device(s, who, predecessor.id, "install")
            return self.certs.new_challenge(s, usable, who.device.id, "install")

    def install(self, who: AppIdentity, cert_id: int, challenge_id: int, response: bytes, ip: str) -> Installed:
        actor = who.actor(ip)
        with self.db.read() as s:
            successor, predecessor = self._pair(s, who, cert_id)
            challenge = s.get(UnlockChallenge, challenge_id)
            if challenge is None or challenge.certificate_id != predecessor.id:
                raise NotFound("解锁挑战不存在")
            enterprise = must_get(s, Enterprise, successor.enterprise_id)
            sequence = self.ca.next_sequence(s, successor.enterprise_id)
        old_share = self.certs.require_unlock(who, challenge_id, response, "install", ip)
        verifier = self.certs.keystore_verifier(predecessor, who.device.id)
        assert predecessor.certificate_der is not None  # only an issued certificate has a key to keep
        public_key = x509.load_der_x509_certificate(predecessor.certificate_der).public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise Conflict("原证书的密钥类型不支持续用", code=ErrorCode.KEY_TYPE)
        now = utcnow()
        not_after = successor.planned_not_after or add_years(now, successor.validity_years)
        subject = pki.leaf_subject(enterprise.name, sequence, int(now.timestamp() * 1000))
        issued = self.ca.issue(None, subject, now - timedelta(minutes=5), not_after, actor, successor.id,
                               public_key=public_key)
        serial_hex = format(issued.serial_number, "x")
        share = ks_server.new_share()
        try:
            with self.db.write() as s:
                move_certificate(
                    s, successor.id, CertificateStatus.PENDING_DOWNLOAD, CertificateStatus.EFFECTIVE,
                    serial_hex=serial_hex, subject=issued.subject.rfc4514_string(),
                    not_before=issued.not_valid_before_utc, not_after=issued.not_valid_after_utc,
                    certificate_der=issued.public_bytes(serialization.Encoding.DER), device_id=who.device.id,
                    failed_unlocks=0, **self.certs.seal_keystore(successor.id, who.device.id, verifier, share),
                )
                audit.record(s, actor, AuditAction.CERTIFICATE_INSTALL, "certificate", successor.id,
                             {"serial": serial_hex, "predecessor": predecessor.id, "same_key": True,
                              "device": who.device.device_uid})
                supersede_predecessor(s, self.ca, successor, actor)
        except Conflict:
            withdraw_undelivered(self.db, self.ca, serial_hex, successor.id, actor)
            raise
        return Installed(
            certificate_pem=issued.public_bytes(serialization.Encoding.PEM).decode(),
            chain_pem=[c.public_bytes(serialization.Encoding.PEM).decode() for c in self.ca.chain()],
            old_share=old_share, share=share, serial_hex=serial_hex, predecessor_id=predecessor.id,
        )
