"""Applications of every kind (B1–B3, C, D, G, J): uploads, submission, 重新申请, cancellation.

A submission is validated completely (fields, ID number, attachments, eligibility) before the SMS code is
checked, so a typo does not burn the code; then one transaction creates the application in its kind's
initial status, links the attachments and writes the audit event. 吊销 and 变更手机号 take effect in
that same transaction; the others continue with an order (orders.py) or a review (review.py).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signer.accounts import access
from signer.accounts.enums import Role
from signer.accounts.models import Account, Enterprise
from signer.applications import idnumbers, rules, uploads
from signer.applications.delivery import Delivery, check_delivery, delivery_columns
from signer.applications.enums import (
    ATTACHMENT_KIND_LABELS,
    INITIAL_STATUS,
    OPEN_APPLICATION_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
    IdType,
    ReissueReason,
)
from signer.applications.models import Application, ApplicationAttachment
from signer.applications.records import APPLICATION_VIEW, ApplicationFacts, application_facts, with_view
from signer.applications.settings import ORDERED_KINDS, LifecycleSettings
from signer.applications.transitions import move_application
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.retire import retire
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get, rowcount
from signer.core.errors import Conflict, ErrorCode, ValidationFailed
from signer.core.models import utcnow
from signer.core.storage import BlobStore, store_blob
from signer.seals.enums import SealType
from signer.sms.enums import SmsPurpose
from signer.sms.service import SmsService

K = ApplicationKind
A = ApplicationStatus
ACTIVE_CERTIFICATE = frozenset({CertificateStatus.IN_PRODUCTION, CertificateStatus.IN_TRANSIT,
                                CertificateStatus.PENDING_DOWNLOAD, CertificateStatus.EFFECTIVE,
                                CertificateStatus.FROZEN})


@dataclass(frozen=True)
class Handler:
    """办理人信息."""

    name: str
    contact: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str = ""


@dataclass(frozen=True)
class ApplicationForm:
    """What the PC forms send; each kind uses its part (the schemas check types, this checks meaning)."""

    sms_code: str = ""
    handler: Handler | None = None
    attachments: dict[AttachmentKind, list[int]] = field(default_factory=dict)
    # 新签 (B1, B2)
    certificate_kind: CertificateKind = CertificateKind.MOBILE
    agreements: tuple[str, ...] = ()
    seal_type: SealType | None = None
    period_years: int | None = None
    bind_account_id: int | None = None
    bind_phone: str | None = None
    delivery: Delivery | None = None  # 实体KEY: 收件人, 联系电话, 邮寄地址
    # 吊销 (reason of RFC 5280) / 补办 (ReissueReason)
    reason: str | None = None
    # 变更手机号
    new_phone: str | None = None


@dataclass(frozen=True)
class NewInfo:
    """办理信息 of a 新签 after :meth:`ApplicationService._check_new_info` (bound is None when it is wrong)."""

    bound: Account | None
    years: int
    price: int
    handler: Handler | None
    bind_phone: str
    delivery: Delivery | None  # 实体KEY only


def _field_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, details=errors)


class ApplicationService:
    def __init__(self, db: Database, store: BlobStore, ca: CertificateAuthority, sms: SmsService,
                 settings: LifecycleSettings) -> None:
        self.db = db
        self.store = store
        self.ca = ca
        self.sms = sms
        self.settings = settings

    # -- uploads (B3) ----------------------------------------------------------------------------
    def upload(self, actor: Account, kind: AttachmentKind, filename: str | None, data: bytes,
               ip: str) -> ApplicationAttachment:
        """Validate and store one file; it joins an application when that is submitted."""
        enterprise_id = actor.enterprise_id if actor.role == Role.REVIEWER else access.enterprise_member(actor)
        clean = uploads.clean(kind, filename, data, self.settings.max_upload_bytes)
        with self.db.write() as s:
            sha = store_blob(s, self.store, clean.data, clean.content_type)
            row = ApplicationAttachment(enterprise_id=enterprise_id, kind=kind, blob_sha256=sha,
                                        filename=clean.filename, content_type=clean.content_type,
                                        size=len(clean.data), uploaded_by=actor.id)
            s.add(row)
            s.flush()
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.ATTACHMENT_UPLOAD, "attachment", row.id,
                         {"kind": kind.value, "sha256": sha, "filename": clean.filename})
        return row

    def attachment(self, actor: Account, attachment_id: int) -> tuple[ApplicationAttachment, bytes]:
        with self.db.read() as s:
            row = s.get(ApplicationAttachment, attachment_id)
            if row is not None and actor.role == Role.REVIEWER and row.application_id is None:
                row = None  # staff see files once they belong to a submitted application
            row = access.own(row, actor, "附件")
        return row, self.store.get(row.blob_sha256)

    # -- queries ---------------------------------------------------------------------------------
    def get(self, actor: Account, app_id: int) -> Application:
        with self.db.read() as s:
            return access.own(s.get(Application, app_id), actor, "申请")

    def get_many(self, actor: Account, app_ids: builtins.list[int]) -> builtins.list[Application]:
        """The caller's applications ``app_ids`` in that order, loaded for their views in one statement."""
        with self.db.read() as s:
            found = {a.id: a for a in s.scalars(select(Application).where(Application.id.in_(app_ids))
                                                .options(*APPLICATION_VIEW)).unique()}
        return [access.own(found.get(i), actor, "申请") for i in app_ids]

    def certificate(self, actor: Account, cert_id: int) -> Certificate:
        """The caller's certificate that an application (续签, 变更, 吊销 …) would be about."""
        with self.db.read() as s:
            return access.own(s.get(Certificate, cert_id), actor, "证书")

    def list(self, actor: Account, status: ApplicationStatus | None = None,
             kind: ApplicationKind | None = None) -> list[Application]:
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            query = select(Application).where(Application.enterprise_id == enterprise_id)
            if status is not None:
                query = query.where(Application.status == status)
            if kind is not None:
                query = query.where(Application.kind == kind)
            return list(s.scalars(query.options(*APPLICATION_VIEW).order_by(Application.id.desc())).unique())

    def eligible_accounts(self, actor: Account,
                          cert_kind: CertificateKind = CertificateKind.MOBILE) -> builtins.list[Account]:
        """绑定账号 choices: the enterprise's people without an active certificate of that kind."""
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            busy = select(Certificate.bound_account_id).where(
                Certificate.kind == cert_kind, Certificate.status.in_(ACTIVE_CERTIFICATE),
                Certificate.bound_account_id.is_not(None))
            return list(s.scalars(select(Account).where(
                Account.enterprise_id == enterprise_id, Account.active.is_(True),
                Account.role.in_(access.ENTERPRISE_ROLES), Account.id.not_in(busy)).order_by(Account.id)))

    # -- validation ------------------------------------------------------------------------------
    @staticmethod
    def _check_handler(handler: Handler | None, errors: dict[str, builtins.list[str]]) -> Handler | None:
        if handler is None:
            errors["handler"] = ["请填写办理人信息"]
            return None
        name = handler.name.strip()
        contact = "".join(handler.contact.split())
        number = idnumbers.normalize(handler.id_number)
        if not 1 <= len(name) <= 50:
            errors["handler.name"] = ["请填写办理人姓名（50字以内）"]
        if not idnumbers.is_phone_number(contact):
            errors["handler.contact"] = ["请填写正确的办理人联系方式"]
        problem = idnumbers.id_number_problem(handler.id_type, number)
        if problem:
            errors["handler.id_number"] = [problem]
        return Handler(name, contact, handler.id_type, number)

    def _check_attachments(self, s: Session, enterprise_id: int, given: dict[AttachmentKind, builtins.list[int]],
                           required: frozenset[AttachmentKind], errors: dict[str, builtins.list[str]],
                           allowed_extra: frozenset[AttachmentKind] = frozenset(),
                           ) -> builtins.list[ApplicationAttachment]:
        rows: builtins.list[ApplicationAttachment] = []
        for kind in sorted(required - {k for k, ids in given.items() if ids}):
            errors[f"attachments.{kind.value}"] = [f"请上传{ATTACHMENT_KIND_LABELS[kind]}"]
        for kind, ids in given.items():
            if kind not in required | allowed_extra:
                errors[f"attachments.{kind.value}"] = ["此业务不需要该附件"]
                continue
            for attachment_id in ids:
                row = s.get(ApplicationAttachment, attachment_id)
                if (row is None or row.enterprise_id != enterprise_id or row.kind != kind
                        or row.application_id is not None):
                    errors[f"attachments.{kind.value}"] = [f"附件{attachment_id}不存在、类型不符或已被使用"]
                else:
                    rows.append(row)
        return rows

    def _attachments_now(self, s: Session, enterprise_id: int,
                         form: ApplicationForm) -> builtins.list[ApplicationAttachment]:
        """Inside the write transaction: the attachments are still unused (a parallel submission may have won)."""
        errors: dict[str, builtins.list[str]] = {}
        rows = self._check_attachments(s, enterprise_id, form.attachments, frozenset(), errors,
                                       frozenset(form.attachments))
        if errors:
            raise Conflict("附件已被其他申请使用，请重新上传", code=ErrorCode.ATTACHMENT_USED, details=errors)
        return rows

    @staticmethod
    def _link(s: Session, app_id: int, rows: builtins.list[ApplicationAttachment]) -> None:
        for row in rows:
            linked = rowcount(s.execute(
                update(ApplicationAttachment)
                .where(ApplicationAttachment.id == row.id, ApplicationAttachment.application_id.is_(None))
                .values(application_id=app_id).execution_options(synchronize_session=False)))
            if linked != 1:
                raise Conflict("附件已被其他申请使用，请重新上传", code=ErrorCode.ATTACHMENT_USED)

    # -- submission ------------------------------------------------------------------------------
    def apply_new(self, actor: Account, form: ApplicationForm, ip: str) -> Application:
        """新签 (B1–B3, I): 移动端证书 or 实体KEY证书; 安心签 is suspended (J)."""
        enterprise_id = access.enterprise_member(actor)
        if form.certificate_kind == CertificateKind.ANXINQIAN:
            raise Conflict(rules.ANXINQIAN_SUSPENDED, code=ErrorCode.ANXINQIAN_SUSPENDED)
        errors: dict[str, builtins.list[str]] = {}
        missing = [a for a in rules.AGREEMENTS if a not in form.agreements]
        if missing:
            errors["agreements"] = ["请阅读并同意CFCA及平台数字证书使用规则"]
        now = utcnow()
        with self.db.read() as s:
            info = self._check_new_info(s, enterprise_id, form, errors)
            extra = frozenset({AttachmentKind.LEGAL_REP_SIGNATURE, AttachmentKind.LEGAL_REP_SEAL})
            self._check_attachments(s, enterprise_id, form.attachments,
                                    rules.required_attachments(K.NEW, form.certificate_kind, form.seal_type),
                                    errors, extra if form.seal_type == SealType.COMPANY_AND_LEGAL_REP else frozenset())
            if rules.needs_legal_rep_image(form.seal_type) and not (
                    form.attachments.get(AttachmentKind.LEGAL_REP_SIGNATURE)
                    or form.attachments.get(AttachmentKind.LEGAL_REP_SEAL)):
                errors["attachments.legal_rep"] = ["请上传法人签字或法人签章"]
        _field_errors(errors)
        self.sms.verify(actor.phone, SmsPurpose.APPLICATION, form.sms_code)
        with self.db.write() as s:
            assert info.bound is not None  # _field_errors raised otherwise
            account = s.scalar(select(Account).where(Account.id == info.bound.id).with_for_update())
            assert account is not None  # just checked, and accounts are never deleted
            if self._has_active(s, account.id, form.certificate_kind):
                raise Conflict("该账号已有有效证书，请选择其他账号", code=ErrorCode.ACCOUNT_HAS_CERTIFICATE)
            rows = self._attachments_now(s, enterprise_id, form)
            app = self._insert(s, actor, K.NEW, form.certificate_kind, None, ip, {
                "bind_account_id": account.id, "bind_phone": info.bind_phone or account.phone or None,
                "seal_type": form.seal_type, "period_years": info.years, "price_fen": info.price,
                "agreements": list(rules.AGREEMENTS), "agreements_accepted_at": now,
                **self._handler_values(info.handler), **delivery_columns(info.delivery),
            }, rows)
        return app

    def check_new_info(self, actor: Account, form: ApplicationForm) -> None:
        """B2 保存并下一步: the 办理信息 step passes the same rule the submission applies to it (印章类型,
        申请期限, 绑定账号, 办理人, 证件号码) and the SMS code is right (checked, not used up), or every wrong
        field is named at once."""
        enterprise_id = access.enterprise_member(actor)
        if form.certificate_kind == CertificateKind.ANXINQIAN:
            raise Conflict(rules.ANXINQIAN_SUSPENDED, code=ErrorCode.ANXINQIAN_SUSPENDED)
        errors: dict[str, builtins.list[str]] = {}
        with self.db.read() as s:
            self._check_new_info(s, enterprise_id, form, errors)
        try:
            self.sms.check(actor.phone, SmsPurpose.APPLICATION, form.sms_code)
        except ValidationFailed as exc:
            errors["sms_code"] = [exc.message]
        _field_errors(errors)

    def _check_new_info(self, s: Session, enterprise_id: int, form: ApplicationForm,
                        errors: dict[str, builtins.list[str]]) -> NewInfo:
        """The 办理信息 (B2) rule, shared by 保存并下一步 and the submission: field errors go to ``errors``."""
        if form.seal_type is None:
            errors["seal_type"] = ["请选择印章类型"]
        try:
            years, price = self.settings.prices.price(K.NEW, form.certificate_kind, form.period_years)
        except ValidationFailed as exc:
            errors.update(exc.details or {"period_years": [exc.message]})
            years, price = 0, 0
        handler = self._check_handler(form.handler, errors)
        bind_phone = "".join((form.bind_phone or "").split())
        if bind_phone and not idnumbers.is_mobile(bind_phone):
            errors["bind_phone"] = ["绑定人电话应为11位手机号"]
        delivery = (check_delivery(form.delivery, errors) if form.certificate_kind == CertificateKind.KEY
                    else None)
        bound = self._check_bind_account(s, enterprise_id, form.bind_account_id, form.certificate_kind, errors)
        return NewInfo(bound, years, price, handler, bind_phone, delivery)

    def _check_bind_account(self, s: Session, enterprise_id: int, account_id: int | None,
                            cert_kind: CertificateKind, errors: dict[str, builtins.list[str]]) -> Account | None:
        account = s.get(Account, account_id) if account_id is not None else None
        if account is None or account.enterprise_id != enterprise_id or not account.active \
                or account.role not in access.ENTERPRISE_ROLES:
            errors["bind_account_id"] = ["请选择本企业的绑定账号"]
            return None
        if self._has_active(s, account.id, cert_kind):
            errors["bind_account_id"] = ["该账号已绑定有效证书，请选择未绑定证书的账号"]
        elif s.scalar(select(Application.id).where(Application.bind_account_id == account.id,
                                                   Application.kind == K.NEW,
                                                   Application.status.in_(OPEN_APPLICATION_STATUSES))):
            errors["bind_account_id"] = ["该账号已有办理中的新签申请"]
        return account

    @staticmethod
    def _has_active(s: Session, account_id: int, cert_kind: CertificateKind) -> bool:
        return bool(s.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.bound_account_id == account_id, Certificate.kind == cert_kind,
            Certificate.status.in_(ACTIVE_CERTIFICATE))))

    def apply_for(self, actor: Account, cert_id: int, kind: ApplicationKind, form: ApplicationForm,
                  ip: str) -> Application:
        """续签 (C), 变更 (D, J), 补办, 吊销, 解冻, 延长有效期, 变更手机号 (G) of one certificate."""
        if kind == K.NEW:
            raise ValueError("use apply_new")
        enterprise_id = (access.administrator(actor, "吊销证书") if kind == K.REVOKE
                         else access.enterprise_member(actor))
        now = utcnow()
        errors: dict[str, builtins.list[str]] = {}
        with self.db.read() as s:
            cert = access.own(s.get(Certificate, cert_id), actor, "证书")
            rules.check_eligible(kind, cert, now, self.settings.renewal_window)
            if kind not in (K.REVOKE, K.PHONE_CHANGE) and s.scalar(select(Application.id).where(
                    Application.certificate_id == cert.id, Application.status.in_(OPEN_APPLICATION_STATUSES))):
                raise Conflict("该证书已有办理中的申请，请先完成或撤销", code=ErrorCode.APPLICATION_OPEN)
            years, price = (self.settings.prices.price(kind, cert.kind, form.period_years)
                            if kind in ORDERED_KINDS else (None, 0))
            handler = (self._check_handler(form.handler, errors) if kind not in (K.REVOKE, K.PHONE_CHANGE)
                       else None)
            self._check_attachments(s, enterprise_id, form.attachments,
                                    rules.required_attachments(kind, cert.kind), errors)
        values: dict[str, object] = {"period_years": years or None, "price_fen": price,
                                     **self._handler_values(handler)}
        phone, purpose = actor.phone, SmsPurpose.APPLICATION
        if kind == K.REVOKE:
            if form.reason not in rules.REVOCATION_REASONS:
                errors["reason"] = ["请选择吊销原因：" + "、".join(rules.REVOCATION_REASONS.values())]
            values["reason"] = form.reason
        elif kind == K.REISSUE:
            if form.reason not in {r.value for r in ReissueReason}:
                errors["reason"] = ["请选择补办原因"]
            values["reason"] = form.reason
        elif kind == K.PHONE_CHANGE:
            phone, purpose = "".join((form.new_phone or "").split()), SmsPurpose.PHONE_CHANGE
            if not idnumbers.is_mobile(phone):
                errors["new_phone"] = ["请输入11位新手机号"]
            values["bind_phone"] = phone
        _field_errors(errors)
        self.sms.verify(phone, purpose, form.sms_code)
        actor_ref = Actor(actor.id, actor.username, ip)
        with self.db.write() as s:
            cert = must_get(s, Certificate, cert_id)
            rules.check_eligible(kind, cert, utcnow(), self.settings.renewal_window)
            rows = self._attachments_now(s, enterprise_id, form)
            app = self._insert(s, actor, kind, cert.kind, cert.id, ip, values, rows)
            if kind == K.REVOKE:
                retire(s, self.ca, cert.id, CertificateStatus.REVOKED, form.reason or "", actor_ref,
                       {"application": app.id})
            elif kind == K.PHONE_CHANGE:
                s.execute(update(Certificate).where(Certificate.id == cert.id).values(contact_phone=phone))
                audit.record(s, actor_ref, AuditAction.CERTIFICATE_PHONE, "certificate", cert.id,
                             {"application": app.id, "phone": phone})
        return app

    @staticmethod
    def _handler_values(handler: Handler | None) -> dict[str, object]:
        if handler is None:
            return {}
        return {"handler_name": handler.name, "handler_contact": handler.contact, "id_type": handler.id_type,
                "id_number": handler.id_number}

    def _insert(self, s: Session, actor: Account, kind: ApplicationKind, cert_kind: CertificateKind,
                cert_id: int | None, ip: str, values: dict[str, object],
                rows: builtins.list[ApplicationAttachment]) -> Application:
        enterprise = must_get(s, Enterprise, actor.enterprise_id)
        app = Application(enterprise_id=actor.enterprise_id, kind=kind, certificate_kind=cert_kind,
                          status=INITIAL_STATUS[kind], certificate_id=cert_id, created_by=actor.id,
                          enterprise_name=enterprise.name, **values)
        s.add(app)
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError:
            raise Conflict("该证书（或绑定账号）已有办理中的申请，请先完成或撤销",
                           code=ErrorCode.APPLICATION_OPEN) from None
        self._link(s, app.id, rows)
        audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.APPLICATION_SUBMIT, "application", app.id, {
            "kind": kind.value, "certificate": cert_id, "status": app.status.value,
            "price_fen": app.price_fen, "attachments": [r.id for r in rows],
        })
        return app

    # -- 查看驳回 / 重新申请 / 撤销 ----------------------------------------------------------------
    def reapply(self, actor: Account, app_id: int, form: ApplicationForm, ip: str) -> Application:
        """重新申请 (B6): update the handler and any attachments of a rejected application → 待审核."""
        enterprise_id = access.enterprise_member(actor)
        errors: dict[str, builtins.list[str]] = {}
        with self.db.read() as s:
            app = access.own(s.get(Application, app_id), actor, "申请")
            if app.status != A.REJECTED:
                raise Conflict("只有已驳回的申请可以重新申请", code=ErrorCode.ILLEGAL_TRANSITION,
                               details={"status": app.status.value})
            handler = self._check_handler(form.handler, errors) if form.handler is not None else None
            required = rules.required_attachments(app.kind, app.certificate_kind, app.seal_type)
            extra = frozenset({AttachmentKind.LEGAL_REP_SIGNATURE, AttachmentKind.LEGAL_REP_SEAL})
            self._check_attachments(s, enterprise_id, form.attachments, frozenset(), errors, required | extra)
        _field_errors(errors)
        self.sms.verify(actor.phone, SmsPurpose.APPLICATION, form.sms_code)
        now = utcnow()
        with self.db.write() as s:
            rows = self._attachments_now(s, enterprise_id, form)
            move_application(s, app.id, app.kind, A.REJECTED, A.PENDING_REVIEW, submitted_at=now,
                             **self._handler_values(handler))
            replaced = {r.kind for r in rows}
            if replaced:
                s.execute(update(ApplicationAttachment).where(
                    ApplicationAttachment.application_id == app.id, ApplicationAttachment.kind.in_(replaced),
                    ApplicationAttachment.replaced_at.is_(None)).values(replaced_at=now))
            self._link(s, app.id, rows)
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.APPLICATION_REAPPLY, "application", app.id,
                         {"attachments": [r.id for r in rows], "handler_changed": handler is not None})
        return self.get(actor, app.id)

    def cancel(self, actor: Account, app_id: int, ip: str) -> Application:
        """撤销 an application that has no unpaid order (待生成订单) or was rejected (已驳回)."""
        access.enterprise_member(actor)
        with self.db.write() as s:
            app = access.own(s.get(Application, app_id), actor, "申请")
            move_application(s, app.id, app.kind, app.status, A.CANCELLED)
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.APPLICATION_CANCEL, "application", app.id,
                         {"from": app.status.value})
        return self.get(actor, app_id)

    def rejection(self, actor: Account, app_id: int) -> Application:
        """查看驳回: the rejected application with the reviewer's opinion."""
        app = self.get(actor, app_id)
        if app.status != A.REJECTED:
            raise Conflict("该申请未被驳回", code=ErrorCode.NOT_REJECTED)
        return app

    def view(self, app: Application) -> ApplicationFacts:
        """The application with its attachments, latest order and bound account (loaded with the list, else here)."""
        return application_facts(app, with_view(self.db, app))

    def attachments_of(self, app_id: int, include_replaced: bool = False) -> builtins.list[ApplicationAttachment]:
        with self.db.read() as s:
            query = select(ApplicationAttachment).where(ApplicationAttachment.application_id == app_id)
            if not include_replaced:
                query = query.where(ApplicationAttachment.replaced_at.is_(None))
            return list(s.scalars(query.order_by(ApplicationAttachment.id)))

