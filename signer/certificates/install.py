"""H2 for a certificate that keeps its key (续签, 变更, 延长有效期): the APP installs it on the same phone.

No new key and no CSR: the phone answers an unlock challenge of the certificate it holds (its signing
password; wrong answers count towards the same 5-try lockout), the server re-certifies that certificate's
public key with the new period and subject, moves the successor to 已生效 with the keystore enrollment and
a fresh share, and withdraws the predecessor (已收回, on the CRL) in the same transaction. The phone gets
the old share (to open its keystore) and the new one (to re-seal the key under the new serial).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from keystore import server as ks_server
from signer.accounts.service import AppIdentity
from signer.ca.service import CertificateAuthority
from signer.certificates import issuance
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate, UnlockChallenge
from signer.certificates.service import CertificateService
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import Conflict, ErrorCode, NotFound


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
        old_share = self.certs.require_unlock(who, challenge_id, response, "install", ip)
        verifier = self.certs.keystore_verifier(predecessor, who.device.id)
        assert predecessor.certificate_der is not None  # only an issued certificate has a key to keep
        public_key = x509.load_der_x509_certificate(predecessor.certificate_der).public_key()
        share = ks_server.new_share()
        issued = issuance.issue(
            self.db, self.ca, successor.id, CertificateStatus.PENDING_DOWNLOAD, actor, AuditAction.CERTIFICATE_INSTALL,
            {"predecessor": predecessor.id, "same_key": True, "device": who.device.device_uid},
            public_key=public_key,
            columns=lambda s: {"device_id": who.device.id,
                               **self.certs.seal_keystore(successor.id, who.device.id, verifier, share)})
        return Installed(certificate_pem=issued.certificate_pem, chain_pem=issued.chain_pem, old_share=old_share,
                         share=share, serial_hex=issued.serial_hex, predecessor_id=predecessor.id)
