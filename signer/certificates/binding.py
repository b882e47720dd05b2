"""分配印章 (B8, H4), 解绑 (H6) and 绑定 (H7) of mobile certificates.

The private key never leaves the phone it was made on, so a certificate cannot move to another person's
phone. 解绑 therefore withdraws the certificate at once (on the CRL: it can no longer sign, whoever holds
the phone) and leaves an unbound successor 待下载 with the same expiry and usage; 绑定 gives that
successor to an operator, whose APP downloads it with a new key. A certificate not yet downloaded is
simply unbound. Seal assignments go through the seals service (only an administrator assigns).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from signer.accounts import access
from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.applications.service import ACTIVE_CERTIFICATE
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.retire import retire
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get, rowcount
from signer.core.errors import Conflict, ErrorCode, Forbidden, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.seals.enums import SealKind
from signer.seals.models import SealAssignment
from signer.seals.service import SealService

C = CertificateStatus


class BindingService:
    def __init__(self, db: Database, ca: CertificateAuthority, seals: SealService, window: timedelta) -> None:
        self.db = db
        self.ca = ca
        self.seals = seals
        self.window = window

    def _cert(self, actor: Account, cert_id: int) -> Certificate:
        with self.db.read() as s:
            cert = access.own(s.get(Certificate, cert_id), actor, "证书")
        if cert.kind != CertificateKind.MOBILE:
            raise Conflict("只有移动端证书可以绑定或解绑", code=ErrorCode.NOT_MOBILE)
        return cert

    # -- H6 --------------------------------------------------------------------------------------
    def unbind(self, actor: Account, cert_id: int, confirmed: bool, ip: str) -> Certificate:
        """解绑 (after the second confirmation): an administrator, or the bound account itself."""
        access.enterprise_member(actor)
        cert = self._cert(actor, cert_id)
        if actor.role != Role.ADMIN and cert.bound_account_id != actor.id:
            raise Forbidden("只有企业管理员或证书绑定人可以解绑", code=ErrorCode.NOT_ADMIN)
        if not confirmed:
            raise ValidationFailed("解绑后将无法使用此移动端签章，请确认", code=ErrorCode.CONFIRMATION_REQUIRED,
                                   details={"confirm": ["解绑需要确认"]})
        if cert.bound_account_id is None:
            raise Conflict("证书未绑定账号", code=ErrorCode.NOT_BOUND)
        who = Actor(actor.id, actor.username, ip)
        with self.db.write() as s:
            if cert.status == C.PENDING_DOWNLOAD:
                done = rowcount(s.execute(update(Certificate).where(
                    Certificate.id == cert.id, Certificate.status == C.PENDING_DOWNLOAD,
                    Certificate.bound_account_id == cert.bound_account_id).values(bound_account_id=None)
                    .execution_options(synchronize_session=False)))
                if done != 1:
                    raise Conflict("证书状态已变化，请刷新后重试", code=ErrorCode.STATE_CHANGED)
                audit.record(s, who, AuditAction.CERTIFICATE_UNBIND, "certificate", cert.id,
                             {"account": cert.bound_account_id})
                result_id = cert.id
            elif cert.status in (C.EFFECTIVE, C.FROZEN):
                retire(s, self.ca, cert.id, C.WITHDRAWN, "cessation_of_operation", who, {"unbind": True})
                successor = Certificate(
                    enterprise_id=cert.enterprise_id, kind=cert.kind, status=C.PENDING_DOWNLOAD,
                    bound_account_id=None, validity_years=cert.validity_years, usage_count=cert.usage_count,
                    usage_limit=cert.usage_limit, predecessor_id=cert.id, reuse_key=False,
                    planned_not_after=cert.not_after)
                s.add(successor)
                s.flush()
                audit.record(s, who, AuditAction.CERTIFICATE_UNBIND, "certificate", cert.id,
                             {"account": cert.bound_account_id, "successor": successor.id})
                audit.record(s, who, AuditAction.CERTIFICATE_CREATE, "certificate", successor.id,
                             {"predecessor": cert.id, "unbound": True})
                result_id = successor.id
            else:
                raise Conflict("该证书状态不能解绑", code=ErrorCode.ILLEGAL_TRANSITION,
                               details={"status": cert.status.value})
        with self.db.read() as s:
            return must_get(s, Certificate, result_id)

    # -- H7 --------------------------------------------------------------------------------------
    def bind(self, actor: Account, cert_id: int, account_id: int, ip: str) -> Certificate:
        """绑定: give an unbound certificate to an operator without one; its APP then downloads it."""
        access.administrator(actor, "绑定证书")
        cert = self._cert(actor, cert_id)
        if cert.bound_account_id is not None or cert.status != C.PENDING_DOWNLOAD:
            raise Conflict("只有已解绑、待下载的证书可以绑定", code=ErrorCode.ILLEGAL_TRANSITION)
        if cert.planned_not_after is not None and cert.planned_not_after <= utcnow():
            raise Conflict("证书已过有效期，请办理续签或新签", code=ErrorCode.EXPIRED)
        with self.db.write() as s:
            target = s.scalar(select(Account).where(Account.id == account_id).with_for_update())
            if (target is None or target.enterprise_id != actor.enterprise_id or not target.active
                    or target.role not in access.ENTERPRISE_ROLES):
                raise NotFound("操作员不存在")
            if s.scalar(select(Certificate.id).where(Certificate.bound_account_id == target.id,
                                                     Certificate.kind == CertificateKind.MOBILE,
                                                     Certificate.status.in_(ACTIVE_CERTIFICATE))) is not None:
                raise Conflict("该操作员已绑定移动端证书", code=ErrorCode.ACCOUNT_HAS_CERTIFICATE)
            done = rowcount(s.execute(update(Certificate).where(
                Certificate.id == cert.id, Certificate.status == C.PENDING_DOWNLOAD,
                Certificate.bound_account_id.is_(None)).values(bound_account_id=target.id, contact_phone=target.phone)
                .execution_options(synchronize_session=False)))
            if done != 1:
                raise Conflict("证书已被绑定，请刷新后重试", code=ErrorCode.STATE_CHANGED)
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.CERTIFICATE_BIND, "certificate", cert.id,
                         {"account": target.username})
        with self.db.read() as s:
            return must_get(s, Certificate, cert.id)

    def enterprise_certificates(self, actor: Account) -> list[tuple[Certificate, Account | None]]:
        """H4/H7 in the administrator's APP: every mobile certificate of the enterprise, with its account."""
        enterprise_id = access.administrator(actor, "管理企业证书")
        with self.db.read() as s:
            return [(c, a) for c, a in s.execute(
                select(Certificate, Account).outerjoin(Account, Account.id == Certificate.bound_account_id)
                .where(Certificate.enterprise_id == enterprise_id, Certificate.kind == CertificateKind.MOBILE)
                .order_by(Certificate.id)).all()]

    def bound_account(self, cert: Certificate) -> Account | None:
        """The account a certificate is bound to, if any."""
        if cert.bound_account_id is None:
            return None
        with self.db.read() as s:
            return s.get(Account, cert.bound_account_id)

    # -- B8 / H4 ---------------------------------------------------------------------------------
    def assignments(self, actor: Account, account_id: int) -> dict[SealKind, SealAssignment]:
        with self.db.read() as s:
            access.own(s.get(Account, account_id), actor, "账号")
        return self.seals.assignments(account_id)

    def seal_image(self, actor: Account, account_id: int, kind: SealKind) -> bytes | None:
        """分配印章 preview: the image the account's seal of ``kind`` shows (None: there is none)."""
        with self.db.read() as s:
            access.own(s.get(Account, account_id), actor, "账号")
        return self.seals.shown_image(account_id, kind)

    def assign(self, actor: Account, account_id: int, wanted: dict[SealKind, bool],
               ip: str) -> dict[SealKind, SealAssignment]:
        """分配印章: give or take back each seal kind of an account of the administrator's enterprise."""
        access.administrator(actor, "分配印章")
        with self.db.read() as s:
            access.own(s.get(Account, account_id), actor, "账号")
        current = self.seals.assignments(account_id)
        for kind, give in wanted.items():
            if give and kind not in current:
                self.seals.assign(actor, account_id, kind, None, ip)
            elif not give and kind in current:
                self.seals.unassign(actor, account_id, kind, ip)
        return self.seals.assignments(account_id)

    def certificate_account(self, actor: Account, cert_id: int) -> int:
        """The account a certificate is bound to (H4 in the APP assigns seals through the certificate)."""
        with self.db.read() as s:
            cert = access.own(s.get(Certificate, cert_id), actor, "证书")
        if cert.bound_account_id is None:
            raise Conflict("证书未绑定账号", code=ErrorCode.NOT_BOUND)
        return cert.bound_account_id
