"""Platform review (B6) and invoices after review (F2); the physical KEY is made and mailed in keyshipping.py.

Approval is one compare-and-set (待审核 → 已办结) together with its effect on the certificates:

- 新签: a certificate row 待下载 (APP) or 待制作 (KEY) for the bound account;
- 续签 / 变更 / 延长有效期: a successor that re-certifies the same key (the APP installs it; the old one is
  withdrawn once the new one is in use); 安心签 变更 only records the approval (that CA is not ours);
- 补办: the old certificate is withdrawn at once (lost phone: keyCompromise) and a successor needs a new key;
- 解冻: 已冻结 → 已生效 with the failure counter reset.

Two reviewers approving at once: one compare-and-set wins, the other gets 409 and nothing of its work
remains. 维护印章信息 (which uploaded image becomes the company / legal-representative seal) is checked
before and stored through the seals service after the approval commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signer.accounts import access
from signer.accounts.models import Account
from signer.applications import rules
from signer.applications.enums import ApplicationKind, ApplicationStatus, AttachmentKind, ReissueReason, ShippingStatus
from signer.applications.models import Application, ApplicationAttachment
from signer.applications.records import APPLICATION_VIEW
from signer.applications.service import ACTIVE_CERTIFICATE
from signer.applications.transitions import move_application
from signer.billing.invoices import InvoiceService
from signer.billing.models import Invoice, Order
from signer.billing.orders import OrderService
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.retire import retire
from signer.certificates.service import CertificateService
from signer.certificates.transitions import move_certificate
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get
from signer.core.errors import Conflict, DomainError, ErrorCode, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.core.storage import BlobStore
from signer.core.timeutil import add_years
from signer.seals import seal_images
from signer.seals.enums import SealKind, SealType
from signer.seals.service import SealService
from signer.sms.models import SmsOutbox
from signer.sms.service import SmsService

log = logging.getLogger(__name__)
K = ApplicationKind
A = ApplicationStatus
SEAL_SOURCES = {
    SealKind.COMPANY: frozenset({AttachmentKind.COMPANY_SEAL}),
    SealKind.LEGAL_REP: frozenset({AttachmentKind.LEGAL_REP_SEAL, AttachmentKind.LEGAL_REP_SIGNATURE}),
}
MAX_OPINION = 500


@dataclass(frozen=True)
class SealChoice:
    """维护印章信息: this attachment becomes the enterprise's seal of a kind; ``cutout`` removes a white
    background (签章抠图 / 签字抠图) when the upload is a photo rather than a transparent PNG."""

    attachment_id: int
    cutout: bool = False


class ReviewService:
    def __init__(self, db: Database, store: BlobStore, ca: CertificateAuthority, certs: CertificateService,
                 seals: SealService, orders: OrderService, invoices: InvoiceService, sms: SmsService,
                 usage_limit: int, renewal_window: timedelta) -> None:
        self.db = db
        self.store = store
        self.ca = ca
        self.certs = certs
        self.seals = seals
        self.orders = orders
        self.invoices = invoices
        self.sms = sms
        self.usage_limit = usage_limit
        self.renewal_window = renewal_window

    # -- the queue -------------------------------------------------------------------------------
    def queue(self, reviewer: Account, status: ApplicationStatus = A.PENDING_REVIEW,
              kind: ApplicationKind | None = None) -> list[Application]:
        """审核队列: every enterprise's applications in ``status``, oldest submission first."""
        access.reviewer(reviewer)
        with self.db.read() as s:
            query = select(Application).where(Application.status == status)
            if kind is not None:
                query = query.where(Application.kind == kind)
            return list(s.scalars(query.options(*APPLICATION_VIEW).order_by(Application.submitted_at, Application.id))
                        .unique())

    def get(self, reviewer: Account, app_id: int) -> Application:
        access.reviewer(reviewer)
        with self.db.read() as s:
            app = s.get(Application, app_id)
        if app is None:
            raise NotFound("申请不存在")
        return app

    # -- approve / reject ------------------------------------------------------------------------
    def approve(self, reviewer: Account, app_id: int, seals: dict[SealKind, SealChoice], ip: str) -> Application:
        app = self.get(reviewer, app_id)
        images = self._seal_images(reviewer, app, seals)
        actor = Actor(reviewer.id, reviewer.username, ip)
        now = utcnow()
        with self.db.write() as s:
            move_application(s, app.id, app.kind, app.status, A.APPROVED, reviewer_id=reviewer.id,
                             reviewed_at=now, approved_seals={k.value: {"attachment": a.id, "sha256": a.blob_sha256}
                                                              for k, (a, _) in images.items()})
            result = self._effect(s, app, actor, now)
            for attachment, _ in images.values():
                if attachment.application_id is None:  # a corrected image the reviewer uploaded
                    attachment_row = must_get(s, ApplicationAttachment, attachment.id)
                    attachment_row.application_id = app.id
            audit.record(s, actor, AuditAction.APPLICATION_APPROVE, "application", app.id, {
                "kind": app.kind.value, "certificate": app.certificate_id, "result_certificate": result,
                "seals": {k.value: a.id for k, (a, _) in images.items()}})
        for kind, (_, png) in images.items():  # checked above; the approval itself has been committed
            try:
                self.seals.store_image(app.enterprise_id, kind, png, "cutout" if seals[kind].cutout else "upload",
                                       by=reviewer, ip=ip)
            except DomainError:
                log.exception("seal image of application %s could not be stored", app.id)
        self._invoice_after_review(app.id, reviewer, ip)
        return self.get(reviewer, app.id)

    def _seal_images(self, reviewer: Account, app: Application,
                     seals: dict[SealKind, SealChoice]) -> dict[SealKind, tuple[ApplicationAttachment, bytes]]:
        """Check the seal choices and make the transparent PNGs (before anything is written)."""
        needed = set()
        if app.kind == K.NEW and app.seal_type in (SealType.COMPANY, SealType.COMPANY_AND_LEGAL_REP):
            needed.add(SealKind.COMPANY)
        if app.kind == K.NEW and app.seal_type == SealType.COMPANY_AND_LEGAL_REP:
            needed.add(SealKind.LEGAL_REP)
        missing = needed - set(seals)
        if missing:
            raise ValidationFailed("请维护印章信息：选择作为企业公章、法定代表人章的图片",
                                   code=ErrorCode.SEALS_REQUIRED,
                                   details={"seals": sorted(k.value for k in missing)})
        images: dict[SealKind, tuple[ApplicationAttachment, bytes]] = {}
        with self.db.read() as s:
            for kind, choice in seals.items():
                if kind not in SEAL_SOURCES:
                    raise ValidationFailed("手写签名由本人在APP中设置", details={"seals": [kind.value]})
                row = s.get(ApplicationAttachment, choice.attachment_id)
                ours = row is not None and (row.application_id == app.id or (
                    row.application_id is None and row.uploaded_by == reviewer.id and row.enterprise_id is None))
                if row is None or not ours or row.kind not in SEAL_SOURCES[kind] or row.replaced_at is not None:
                    raise ValidationFailed("所选印章图片不属于该申请", code=ErrorCode.BAD_SEAL_ATTACHMENT,
                                           details={"seals": [kind.value]})
                data = self.store.get(row.blob_sha256)
                if choice.cutout:
                    cut = seal_images.cut_out_signature if row.kind == AttachmentKind.LEGAL_REP_SIGNATURE \
                        else seal_images.cut_out_seal
                    png = cut(data)
                else:
                    image = seal_images.load_upload(data)
                    if not seal_images.facts(image).has_transparency:
                        raise ValidationFailed("印章图片不是透明背景：请选择抠图，或上传透明PNG",
                                               code=ErrorCode.NOT_TRANSPARENT, details={"seals": [kind.value]})
                    png = seal_images.to_png(image)
                images[kind] = (row, png)
        return images

    def _effect(self, s: Session, app: Application, actor: Actor, now: datetime) -> int | None:
        if app.kind == K.NEW:
            return self._create_new(s, app, actor)
        cert = must_get(s, Certificate, app.certificate_id)
        rules.check_eligible(app.kind, cert, now, self.renewal_window)
        if app.kind == K.UNFREEZE:
            move_certificate(s, cert.id, CertificateStatus.FROZEN, CertificateStatus.EFFECTIVE, failed_unlocks=0)
            audit.record(s, actor, AuditAction.CERTIFICATE_UNFREEZE, "certificate", cert.id, {"application": app.id})
            return None
        if app.kind == K.CHANGE and cert.kind == CertificateKind.ANXINQIAN:
            audit.record(s, actor, AuditAction.CERTIFICATE_ANXINQIAN_CHANGE, "certificate", cert.id,
                         {"application": app.id, "enterprise": app.enterprise_name})
            return None
        if app.kind == K.REISSUE:
            reason = "key_compromise" if app.reason == ReissueReason.LOST else "superseded"
            retire(s, self.ca, cert.id, CertificateStatus.WITHDRAWN, reason, actor, {"application": app.id})
        return self._successor(s, app, cert, actor)

    def _create_new(self, s: Session, app: Application, actor: Actor) -> int:
        account = s.scalar(select(Account).where(Account.id == app.bind_account_id).with_for_update())
        assert account is not None  # checked when the application was made (a foreign key)
        busy = s.scalar(select(Certificate.id).where(
            Certificate.bound_account_id == account.id, Certificate.kind == app.certificate_kind,
            Certificate.status.in_(ACTIVE_CERTIFICATE)))
        if busy is not None:
            raise Conflict("绑定账号已有有效证书", code=ErrorCode.ACCOUNT_HAS_CERTIFICATE)
        cert = Certificate(enterprise_id=app.enterprise_id, kind=app.certificate_kind,
                           status=self._first_status(app.certificate_kind), bound_account_id=account.id,
                           validity_years=app.period_years or 1, usage_limit=self.usage_limit,
                           contact_phone=app.bind_phone)
        s.add(cert)
        s.flush()
        self._link_result(s, app, cert, certificate_id=cert.id)
        audit.record(s, actor, AuditAction.CERTIFICATE_CREATE, "certificate", cert.id,
                     {"application": app.id, "status": cert.status.value, "bound_account": account.username})
        return cert.id

    @staticmethod
    def _first_status(kind: CertificateKind) -> CertificateStatus:
        return CertificateStatus.IN_PRODUCTION if kind == CertificateKind.KEY else CertificateStatus.PENDING_DOWNLOAD

    def _successor(self, s: Session, app: Application, old: Certificate, actor: Actor) -> int:
        years = app.period_years or 0
        planned = {K.RENEW: None, K.EXTEND: add_years(old.not_after, years) if old.not_after else None,
                   K.CHANGE: old.not_after, K.REISSUE: old.not_after}[app.kind]
        if planned is not None and planned > self.ca.issuing.not_valid_after_utc:
            raise Conflict("有效期超出平台CA的有效期", code=ErrorCode.BEYOND_CA_VALIDITY)
        fresh_period = app.kind == K.RENEW
        cert = Certificate(
            enterprise_id=old.enterprise_id, kind=old.kind, status=self._first_status(old.kind),
            bound_account_id=old.bound_account_id, validity_years=years or old.validity_years,
            usage_limit=self.usage_limit if fresh_period else old.usage_limit,
            usage_count=0 if fresh_period else old.usage_count, predecessor_id=old.id,
            reuse_key=app.kind in rules.REUSES_KEY, planned_not_after=planned, contact_phone=old.contact_phone)
        s.add(cert)
        s.flush()
        self._link_result(s, app, cert)
        audit.record(s, actor, AuditAction.CERTIFICATE_CREATE, "certificate", cert.id, {
            "application": app.id, "predecessor": old.id, "same_key": cert.reuse_key,
            "not_after": planned.isoformat() if planned else None})
        return cert.id

    @staticmethod
    def _link_result(s: Session, app: Application, cert: Certificate, **extra: object) -> None:
        row = must_get(s, Application, app.id)
        row.result_certificate_id = cert.id
        for key, value in extra.items():
            setattr(row, key, value)
        if cert.kind == CertificateKind.KEY:
            row.shipping_status = ShippingStatus.PENDING
            if row.mailing_address is None and app.certificate_id is not None:  # 续签/补办…: mailed where the last was
                last = s.scalar(select(Application).where(Application.result_certificate_id == app.certificate_id))
                if last is not None:
                    row.recipient_name, row.recipient_phone, row.mailing_address = (
                        last.recipient_name, last.recipient_phone, last.mailing_address)

    def reject(self, reviewer: Account, app_id: int, opinion: str, ip: str) -> Application:
        """驳回 with an opinion the enterprise reads in 查看驳回."""
        app = self.get(reviewer, app_id)
        opinion = (opinion or "").strip()
        if not 1 <= len(opinion) <= MAX_OPINION:
            raise ValidationFailed("请填写驳回意见（500字以内）", details={"opinion": ["必填，500字以内"]})
        with self.db.write() as s:
            move_application(s, app.id, app.kind, app.status, A.REJECTED, rejection_opinion=opinion,
                             reviewer_id=reviewer.id, reviewed_at=utcnow())
            audit.record(s, Actor(reviewer.id, reviewer.username, ip), AuditAction.APPLICATION_REJECT, "application",
                         app.id,
                         {"opinion": opinion})
        return self.get(reviewer, app.id)

    # -- F2 --------------------------------------------------------------------------------------
    def _invoice_after_review(self, app_id: int, reviewer: Account, ip: str) -> None:
        with self.db.read() as s:
            order = self.orders.for_application(s, app_id)
        if order is None:
            return
        try:
            self.invoices.issue_when_reviewed(order.id, reviewer, ip)
        except Exception:  # the approval stands; the reviewer can issue it again (issue_invoice)
            log.exception("invoice of order %s could not be issued", order.order_no)

    def invoice_pdf(self, reviewer: Account, order_no: str) -> tuple[Invoice, bytes]:
        access.reviewer(reviewer)
        with self.db.read() as s:
            order = s.scalar(select(Order).where(Order.order_no == order_no))
        if order is None:
            raise NotFound("订单不存在")
        return self.invoices.pdf(reviewer, order)

    def sms_outbox(self, reviewer: Account, phone: str | None) -> list[SmsOutbox]:
        """The ``outbox`` SMS provider's messages (development, tests, staging), for platform staff only."""
        access.reviewer(reviewer)
        return self.sms.outbox(phone)

    def issue_invoice(self, reviewer: Account, order_no: str, ip: str) -> Invoice:
        """开具发票 by hand, e.g. for a batch order with an application still rejected."""
        access.reviewer(reviewer)
        with self.db.read() as s:
            order = s.scalar(select(Order).where(Order.order_no == order_no))
        if order is None:
            raise NotFound("订单不存在")
        return self.invoices.issue(order.id, reviewer, ip)
