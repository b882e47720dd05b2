"""Certificates as the APP sees them: download (H2/B7), keystore unlock and lockout (H3), password change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from cryptography import x509
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from keystore import server as ks_server
from signer.accounts.service import AppIdentity
from signer.ca.models import IssuedSerial
from signer.ca.service import CertificateAuthority
from signer.certificates import issuance
from signer.certificates.enums import (
    CERTIFICATE_STATUS_LABELS,
    CertificateKind,
    CertificateStatus,
)
from signer.certificates.models import Certificate, UnlockChallenge
from signer.certificates.transitions import move_certificate
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, rowcount
from signer.core.errors import Conflict, ErrorCode, Forbidden, NotFound
from signer.core.models import utcnow
from signer.core.secretbox import SecretBox

CHALLENGE_LIFETIME = timedelta(minutes=5)
EXPIRING_WINDOW = timedelta(days=30)
# Which certificates a keystore may be unlocked for: to sign and to change the password an effective one;
# to install its renewal (the same key, re-certified) also one that expired meanwhile.
UNLOCKABLE = {
    "sign": frozenset({CertificateStatus.EFFECTIVE}),
    "password": frozenset({CertificateStatus.EFFECTIVE}),
    "install": frozenset({CertificateStatus.EFFECTIVE, CertificateStatus.EXPIRED}),
}


@dataclass(frozen=True)
class Downloaded:
    certificate_pem: str
    chain_pem: list[str]
    share: bytes
    serial_hex: str


@dataclass(frozen=True)
class UnlockOutcome:
    ok: bool
    share: bytes | None = None
    remaining: int = 0
    frozen: bool = False


class WrongSigningPassword(Forbidden):
    code = ErrorCode.WRONG_PASSWORD


class CertificateUnusable(Forbidden):
    """The certificate may not be used now; ``code`` says why (``certificate_frozen``, ``not_effective``,
    ``certificate_revoked``, ``certificate_expired``, ``usage_exhausted``). A signing session whose round
    meets it becomes 签署失败 with the message as its reason."""

    code = ErrorCode.CERTIFICATE_UNUSABLE


FROZEN_MESSAGE = "签名密码已连续输错5次，证书已冻结，请办理解冻"


def unlock_refusal(outcome: UnlockOutcome) -> CertificateUnusable | WrongSigningPassword:
    """What a refused answer raises: the certificate is frozen now, or how many tries are left."""
    if outcome.frozen:
        return CertificateUnusable(FROZEN_MESSAGE, code=ErrorCode.CERTIFICATE_FROZEN, details={"remaining": 0})
    remaining = outcome.remaining
    return WrongSigningPassword(f"签名密码错误，还可尝试{remaining}次", details={"remaining": remaining})


def lock_certificate(s: Session, cert_id: int) -> Certificate | None:
    """The certificate row, locked until the transaction ends (``SELECT … FOR UPDATE`` on PostgreSQL; on
    SQLite the write transaction's ``BEGIN IMMEDIATE`` already serializes writers)."""
    return s.scalar(select(Certificate).where(Certificate.id == cert_id).with_for_update()
                    .execution_options(populate_existing=True))


_CHALLENGES = cast(Table, UnlockChallenge.__table__)
_INSERT_CHALLENGE = insert(_CHALLENGES).returning(_CHALLENGES.c.id)
# The certificate row locked as ``lock_certificate`` locks it, with the CA's record of its serial, in one read.
_SIGNABLE = (select(Certificate, IssuedSerial.serial_hex, IssuedSerial.revoked_at)
             .outerjoin(IssuedSerial, IssuedSerial.serial_hex == Certificate.serial_hex)
             .where(Certificate.id == bindparam("cert_id"))
             .with_for_update(of=Certificate)
             .execution_options(populate_existing=True))


def _check_not_frozen(cert: Certificate) -> None:
    if cert.status == CertificateStatus.FROZEN or cert.failed_unlocks >= ks_server.MAX_CONSECUTIVE_FAILURES:
        raise CertificateUnusable(FROZEN_MESSAGE, code=ErrorCode.CERTIFICATE_FROZEN, details={"remaining": 0})


def require_signable(s: Session, cert_id: int, count_use: bool = False) -> Certificate:
    """The one rule for signing with a certificate, checked on its locked row inside the caller's write
    transaction: 已生效, not frozen, within its validity, serial not revoked, a use left.

    With ``count_use`` the use is counted here, atomically: ``usage_count + 1`` only while uses are left and
    the certificate is 已生效, so two sessions approved before either finished cannot both count.
    """
    found = s.execute(_SIGNABLE, {"cert_id": cert_id}).one_or_none()  # locked, with its serial's record
    if found is None:
        raise CertificateUnusable("证书不存在，不能签署", code=ErrorCode.NOT_EFFECTIVE)
    cert, issued_serial, revoked_at = found
    _check_not_frozen(cert)
    if cert.status != CertificateStatus.EFFECTIVE:
        raise CertificateUnusable(f"证书已失效（{CERTIFICATE_STATUS_LABELS[cert.status]}），不能签署",
                                  code=ErrorCode.NOT_EFFECTIVE, details={"status": cert.status.value})
    if cert.not_after is None or cert.not_after <= utcnow():
        raise CertificateUnusable("证书已过有效期，不能签署", code=ErrorCode.CERTIFICATE_EXPIRED)
    if issued_serial is None or revoked_at is not None:
        raise CertificateUnusable("证书已吊销，不能签署", code=ErrorCode.CERTIFICATE_REVOKED)
    if count_use:
        counted = rowcount(s.execute(
            update(Certificate)
            .where(Certificate.id == cert_id, Certificate.usage_count < Certificate.usage_limit,
                   Certificate.status == CertificateStatus.EFFECTIVE)
            .values(usage_count=Certificate.usage_count + 1)
            .execution_options(synchronize_session=False)
        ))
        if counted != 1:
            raise CertificateUnusable("证书剩余次数不足，本次签署未完成", code=ErrorCode.USAGE_EXHAUSTED)
    elif cert.usage_count >= cert.usage_limit:
        raise CertificateUnusable("证书剩余次数不足", code=ErrorCode.USAGE_EXHAUSTED)
    return cert


class CertificateService:
    def __init__(self, db: Database, ca: CertificateAuthority, box: SecretBox, validity_years: int = 1) -> None:
        self.db = db
        self.ca = ca
        self.box = box
        self.validity_years = validity_years

    def _context(self, cert_id: int, device_id: int) -> bytes:
        return f"certificate:{cert_id}|device:{device_id}".encode()

    def seal_keystore(self, cert_id: int, device_id: int, verifier: bytes, share: bytes) -> dict[str, bytes]:
        """The encrypted-at-rest column values of a keystore enrollment (for the lifecycle's install)."""
        ctx = self._context(cert_id, device_id)
        return {"keystore_verifier_enc": self.box.seal(verifier, "keystore-verifier", ctx),
                "keystore_share_enc": self.box.seal(share, "keystore-share", ctx)}

    def keystore_verifier(self, cert: Certificate, device_id: int) -> bytes:
        assert cert.keystore_verifier_enc is not None  # only an installed certificate is asked
        return self.box.open(cert.keystore_verifier_enc, "keystore-verifier", self._context(cert.id, device_id))

    # -- queries -------------------------------------------------------------------------------
    def for_account(self, account_id: int) -> list[Certificate]:
        with self.db.read() as s:
            return list(s.scalars(select(Certificate).where(Certificate.bound_account_id == account_id)
                                  .order_by(Certificate.id)))

    def get_for_app(self, who: AppIdentity, cert_id: int) -> Certificate:
        with self.db.read() as s:
            cert = s.get(Certificate, cert_id)
        if cert is None or cert.bound_account_id != who.account.id:
            raise NotFound("证书不存在")
        return cert

    # -- H2 / B7: download ---------------------------------------------------------------------
    def download(self, who: AppIdentity, cert_id: int, csr_der: bytes, verifier: bytes, ip: str) -> Downloaded:
        """Issue the certificate for the phone's CSR and enroll its keystore in one step.

        The APP sends the CSR and the keystore verifier together (it asks for the signing password right
        after the download), so a certificate never becomes 已生效 without a keystore behind it.
        """
        ks_server.validate_verifier(verifier)
        with self.db.read() as s:
            cert = s.get(Certificate, cert_id)
            if cert is None or cert.bound_account_id != who.account.id:
                raise NotFound("证书不存在")
            if cert.kind != CertificateKind.MOBILE:
                raise Conflict("只有移动端证书可以下载到手机", code=ErrorCode.NOT_MOBILE)
            if cert.status != CertificateStatus.PENDING_DOWNLOAD:
                raise Conflict(f"证书状态为{CERTIFICATE_STATUS_LABELS[cert.status]}，不能下载",
                               code=ErrorCode.ILLEGAL_TRANSITION)
            if cert.reuse_key:
                raise Conflict("此证书沿用原证书的密钥，请在原手机上安装（输入签名密码）",
                               code=ErrorCode.INSTALL_SAME_KEY)
        share = ks_server.new_share()
        issued = issuance.issue(
            self.db, self.ca, cert.id, CertificateStatus.PENDING_DOWNLOAD, who.actor(ip),
            AuditAction.CERTIFICATE_DOWNLOAD, {"device": who.device.device_uid}, csr=csr_der,
            columns=lambda s: {"device_id": who.device.id,
                               **self.seal_keystore(cert.id, who.device.id, verifier, share)})
        return Downloaded(certificate_pem=issued.certificate_pem, chain_pem=issued.chain_pem, share=share,
                          serial_hex=issued.serial_hex)

    # -- keystore unlock -----------------------------------------------------------------------
    def new_challenge(self, s: Session, cert: Certificate, device_id: int, purpose: str,
                      session_id: str | None = None) -> UnlockChallenge:
        values = {"certificate_id": cert.id, "device_id": device_id, "session_id": session_id, "purpose": purpose,
                  "nonce": ks_server.new_nonce(), "expires_at": utcnow() + CHALLENGE_LIFETIME}
        # a Core insert (no unit of work); the caller gets the challenge as a plain object with its id
        challenge_id = s.execute(_INSERT_CHALLENGE, values).scalar_one()
        return UnlockChallenge(id=challenge_id, **values)

    def password_challenge(self, who: AppIdentity, cert_id: int) -> UnlockChallenge:
        with self.db.write() as s:
            cert = self._usable_on_device(s, who, cert_id)
            return self.new_challenge(s, cert, who.device.id, "password")

    def _usable_on_device(self, s: Session, who: AppIdentity, cert_id: int, purpose: str = "sign") -> Certificate:
        """The device's certificate, its row locked for the rest of the transaction (so a check and what
        the caller writes after it are one step)."""
        cert = lock_certificate(s, cert_id)
        if cert is None or cert.bound_account_id != who.account.id:
            raise NotFound("证书不存在")
        if cert.device_id != who.device.id:
            raise Forbidden("证书不在本设备上", code=ErrorCode.WRONG_DEVICE)
        _check_not_frozen(cert)
        if cert.status not in UNLOCKABLE.get(purpose, UNLOCKABLE["sign"]):
            before = cert.status in (CertificateStatus.IN_PRODUCTION, CertificateStatus.IN_TRANSIT,
                                     CertificateStatus.PENDING_DOWNLOAD)
            state = "尚未生效" if before else "已失效"
            raise CertificateUnusable(f"证书{state}（{CERTIFICATE_STATUS_LABELS[cert.status]}）",
                                      code=ErrorCode.NOT_EFFECTIVE, details={"status": cert.status.value})
        return cert

    def unlock(self, who: AppIdentity, challenge_id: int, response: bytes, purpose: str, ip: str,
               session_id: str | None = None) -> UnlockOutcome:
        """Check the phone's answer to a challenge. Commits the failure count even when it refuses."""
        with self.db.write() as s:
            return self.unlock_in(s, who, challenge_id, response, purpose, who.actor(ip), session_id)

    def unlock_in(self, s: Session, who: AppIdentity, challenge_id: int, response: bytes, purpose: str,
                  actor: Actor, session_id: str | None = None) -> UnlockOutcome:
        """``unlock`` inside the caller's write transaction, which must commit whatever the outcome (a refused
        answer's count and freeze are written in it; a raised error writes nothing).

        The certificate row is locked before its failure count is read, so checking an answer and counting
        it are one step: of any number of concurrent wrong answers exactly five are checked, and nothing,
        not even the right answer, is checked after that.
        """
        now = utcnow()
        challenge = s.get(UnlockChallenge, challenge_id)
        if (challenge is None or challenge.device_id != who.device.id or challenge.purpose != purpose
                or challenge.session_id != session_id):
            raise NotFound("解锁挑战不存在")
        consumed = rowcount(s.execute(
            update(UnlockChallenge)
            .where(UnlockChallenge.id == challenge_id, UnlockChallenge.used_at.is_(None),
                   UnlockChallenge.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ))
        if consumed != 1:
            raise Conflict("解锁挑战已使用或已过期，请重试", code=ErrorCode.CHALLENGE_USED)
        cert = self._usable_on_device(s, who, challenge.certificate_id, purpose)
        assert cert.keystore_verifier_enc is not None and cert.keystore_share_enc is not None  # on this device
        ctx = self._context(cert.id, who.device.id)
        verifier = self.box.open(cert.keystore_verifier_enc, "keystore-verifier", ctx)
        if ks_server.check_unlock_response(verifier, challenge.nonce, response):
            if cert.failed_unlocks:  # the row is locked: the count read is the count stored
                s.execute(update(Certificate).where(Certificate.id == cert.id).values(failed_unlocks=0))
            return UnlockOutcome(True, share=self.box.open(cert.keystore_share_enc, "keystore-share", ctx))
        failures = s.execute(
            update(Certificate).where(Certificate.id == cert.id)
            .values(failed_unlocks=Certificate.failed_unlocks + 1)
            .returning(Certificate.failed_unlocks)
        ).scalar_one()
        audit.record(s, actor, AuditAction.KEYSTORE_WRONG_PASSWORD, "certificate", cert.id, {"failures": failures})
        frozen = False
        if failures >= ks_server.MAX_CONSECUTIVE_FAILURES:
            try:
                with s.begin_nested():
                    move_certificate(s, cert.id, CertificateStatus.EFFECTIVE, CertificateStatus.FROZEN)
                    audit.record(s, actor, AuditAction.CERTIFICATE_FREEZE, "certificate", cert.id,
                                 {"reason": "连续5次签名密码错误"})
            except Conflict:
                pass  # already frozen by a concurrent attempt
            frozen = True
        return UnlockOutcome(False, remaining=max(0, ks_server.MAX_CONSECUTIVE_FAILURES - failures), frozen=frozen)

    def require_unlock(self, who: AppIdentity, challenge_id: int, response: bytes, purpose: str, ip: str,
                       session_id: str | None = None) -> bytes:
        outcome = self.unlock(who, challenge_id, response, purpose, ip, session_id)
        if outcome.ok and outcome.share is not None:
            return outcome.share
        raise unlock_refusal(outcome)

    # -- H3: change the signing password -------------------------------------------------------
    def change_password(self, who: AppIdentity, cert_id: int, challenge_id: int, response: bytes,
                        new_verifier: bytes, ip: str) -> tuple[bytes, bytes]:
        """Unlock with the old password, then store the new verifier and a NEW share (old copies die).

        Returns (old share, new share): the phone needs the old one to open its keystore and the new one
        to re-seal it, and getting both in one answer means no state in which neither works.
        """
        ks_server.validate_verifier(new_verifier)
        old_share = self.require_unlock(who, challenge_id, response, "password", ip)
        share = ks_server.new_share()
        with self.db.write() as s:
            cert = self._usable_on_device(s, who, cert_id)
            ctx = self._context(cert.id, who.device.id)
            cert.keystore_verifier_enc = self.box.seal(new_verifier, "keystore-verifier", ctx)
            cert.keystore_share_enc = self.box.seal(share, "keystore-share", ctx)
            audit.record(s, who.actor(ip), AuditAction.KEYSTORE_CHANGE_PASSWORD, "certificate", cert.id, {})
        return old_share, share


def certificate_from_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)
