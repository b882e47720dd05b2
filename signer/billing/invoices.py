"""Invoices: the enterprise's invoice profiles (F1) and the electronic invoice of a reviewed order (F2).

The invoice is a one-page PDF with Chinese text, signed by the platform's own invoice certificate (issued
by the platform's issuing CA, ``CertificateAuthority.service_pair("invoice")``) through ``pdfsign``'s
two halves in the worker pool, so anyone holding the platform root can validate it. One invoice per order
(UNIQUE order id): issuing twice returns the first.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pdfsign.remote import SIGNING_TIME_PLACEHOLDER
from signer.accounts import access
from signer.accounts.models import Account
from signer.applications import idnumbers
from signer.applications.enums import APPLICATION_KIND_LABELS, ApplicationStatus
from signer.applications.models import Application
from signer.applications.settings import LifecycleSettings
from signer.billing.enums import INVOICE_TYPE_LABELS, InvoiceType, OrderStatus
from signer.billing.models import Invoice, InvoiceProfile, Order, OrderItem
from signer.billing.pdfdoc import Page, capital_amount, render, yuan
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CERTIFICATE_KIND_LABELS
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get
from signer.core.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.core.storage import BlobStore, store_blob
from signer.core.timeutil import beijing

TAX_RATE_PERCENT = 6  # 现代服务 (信息技术服务) VAT
SEAL_FIELD = "InvoiceSeal"
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class ProfileData:
    invoice_type: InvoiceType
    title: str
    tax_number: str
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""
    email: str = ""
    is_default: bool = False


def _check_profile(data: ProfileData) -> ProfileData:
    errors: dict[str, list[str]] = {}
    title = data.title.strip()
    tax = idnumbers.normalize(data.tax_number)
    if not 2 <= len(title) <= 100:
        errors["title"] = ["请填写发票抬头（2至100字）"]
    problem = idnumbers.tax_number_problem(tax)
    if problem:
        errors["tax_number"] = [problem]
    if data.email and not _EMAIL.fullmatch(data.email.strip()):
        errors["email"] = ["邮箱格式不正确"]
    if data.invoice_type == InvoiceType.SPECIAL:
        for name, label in (("address", "地址"), ("phone", "电话"), ("bank_name", "开户银行"),
                            ("bank_account", "银行账号")):
            if not getattr(data, name).strip():
                errors[name] = [f"增值税专用发票需填写{label}"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    return ProfileData(data.invoice_type, title, tax, data.address.strip(), data.phone.strip(),
                       data.bank_name.strip(), data.bank_account.strip(), data.email.strip(), data.is_default)


class PdfWorkers(Protocol):
    """The PDF worker pool (signer.signing.signing_pool.SigningPool) as billing uses it: billing does not
    depend on the signing package, the composition root hands the pool in."""

    def request(self, op: str, **fields: Any) -> dict[str, Any]: ...


class InvoiceService:
    def __init__(self, db: Database, store: BlobStore, ca: CertificateAuthority, pool: PdfWorkers,
                 settings: LifecycleSettings, font_paths: Callable[[], list[str]]) -> None:
        self.db = db
        self.store = store
        self.ca = ca
        self.pool = pool
        self.settings = settings
        self.font_paths = font_paths

    # -- F1: profiles ----------------------------------------------------------------------------
    def profiles(self, actor: Account) -> list[InvoiceProfile]:
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            return list(s.scalars(select(InvoiceProfile).where(
                InvoiceProfile.enterprise_id == enterprise_id, InvoiceProfile.deleted_at.is_(None))
                .order_by(InvoiceProfile.is_default.desc(), InvoiceProfile.id)))

    def _own_profile(self, s, actor: Account, profile_id: int) -> InvoiceProfile:
        profile = access.own(s.get(InvoiceProfile, profile_id), actor, "发票信息")
        if profile.deleted_at is not None:
            raise NotFound("发票信息不存在")
        return profile

    def create_profile(self, actor: Account, data: ProfileData, ip: str) -> InvoiceProfile:
        """新增: the first profile becomes the default."""
        enterprise_id = access.enterprise_member(actor)
        data = _check_profile(data)
        with self.db.write() as s:
            has_default = s.scalar(select(InvoiceProfile.id).where(
                InvoiceProfile.enterprise_id == enterprise_id, InvoiceProfile.is_default.is_(True),
                InvoiceProfile.deleted_at.is_(None)))
            make_default = data.is_default or has_default is None
            if make_default:
                self._clear_default(s, enterprise_id)
            fields = {k: v for k, v in data.__dict__.items() if k != "is_default"}
            profile = InvoiceProfile(enterprise_id=enterprise_id, is_default=make_default, **fields)
            s.add(profile)
            s.flush()
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.INVOICE_PROFILE_CREATE, "invoice_profile",
                         profile.id, {"title": profile.title, "default": make_default})
        return profile

    def update_profile(self, actor: Account, profile_id: int, data: ProfileData, ip: str) -> InvoiceProfile:
        """修改 (the default flag is changed only by set_default)."""
        access.enterprise_member(actor)
        data = _check_profile(data)
        with self.db.write() as s:
            profile = self._own_profile(s, actor, profile_id)
            for key, value in data.__dict__.items():
                if key != "is_default":
                    setattr(profile, key, value)
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.INVOICE_PROFILE_UPDATE, "invoice_profile",
                         profile.id, {"title": profile.title})
        return profile

    @staticmethod
    def _clear_default(s, enterprise_id: int) -> None:
        s.execute(update(InvoiceProfile).where(InvoiceProfile.enterprise_id == enterprise_id,
                                               InvoiceProfile.is_default.is_(True)).values(is_default=False))

    def set_default(self, actor: Account, profile_id: int, ip: str) -> InvoiceProfile:
        """默认发票: preselected when ordering."""
        access.enterprise_member(actor)
        with self.db.write() as s:
            profile = self._own_profile(s, actor, profile_id)
            self._clear_default(s, profile.enterprise_id)
            s.flush()
            s.execute(update(InvoiceProfile).where(InvoiceProfile.id == profile.id).values(is_default=True))
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.INVOICE_PROFILE_DEFAULT, "invoice_profile",
                         profile.id, {})
        with self.db.read() as s:
            return must_get(s, InvoiceProfile, profile_id)

    def delete_profile(self, actor: Account, profile_id: int, confirmed: bool, ip: str) -> None:
        """删除, only when confirmed; orders keep their snapshot."""
        access.enterprise_member(actor)
        if not confirmed:
            raise ValidationFailed("请确认删除该发票信息", code=ErrorCode.CONFIRMATION_REQUIRED,
                                   details={"confirm": ["删除需要确认"]})
        with self.db.write() as s:
            profile = self._own_profile(s, actor, profile_id)
            s.execute(update(InvoiceProfile).where(InvoiceProfile.id == profile.id)
                      .values(deleted_at=utcnow(), is_default=False))
            audit.record(s, Actor(actor.id, actor.username, ip), AuditAction.INVOICE_PROFILE_DELETE, "invoice_profile",
                         profile.id, {"title": profile.title})

    # -- F2: the electronic invoice --------------------------------------------------------------
    def for_order(self, order_id: int) -> Invoice | None:
        with self.db.read() as s:
            return s.scalar(select(Invoice).where(Invoice.order_id == order_id))

    def pdf(self, actor: Account, order: Order) -> tuple[Invoice, bytes]:
        access.own(order, actor, "订单")
        invoice = self.for_order(order.id)
        if invoice is None:
            raise NotFound("电子发票尚未开具（平台审核后自动开具）", code=ErrorCode.NO_INVOICE)
        return invoice, self.store.get(invoice.pdf_sha256)

    def issue_when_reviewed(self, order_id: int, by: Account | None, ip: str) -> Invoice | None:
        """After a review: issue once every application of the paid order is approved."""
        with self.db.read() as s:
            order = s.get(Order, order_id)
            statuses = set(s.scalars(select(Application.status).join(
                OrderItem, OrderItem.application_id == Application.id).where(OrderItem.order_id == order_id)))
        if order is None or order.invoice_snapshot is None or order.amount_fen == 0:
            return None
        if statuses != {ApplicationStatus.APPROVED}:
            return None
        return self.issue(order_id, by, ip)

    def issue(self, order_id: int, by: Account | None, ip: str) -> Invoice:
        """Render, sign and store the invoice of a paid order (idempotent)."""
        existing = self.for_order(order_id)
        if existing is not None:
            return existing
        with self.db.read() as s:
            order = s.get(Order, order_id)
            if order is None:
                raise NotFound("订单不存在")
            if order.status != OrderStatus.PAID:
                raise Conflict("订单未支付，不能开具发票", code=ErrorCode.NOT_PAID)
            if order.invoice_snapshot is None:
                raise Conflict("订单未选择发票信息", code=ErrorCode.NO_INVOICE_PROFILE)
            lines = [(item.amount_fen, app) for item, app in s.execute(
                select(OrderItem, Application).join(Application, Application.id == OrderItem.application_id)
                .where(OrderItem.order_id == order_id).order_by(OrderItem.id)).all()]
        now = utcnow()
        invoice_no = beijing(now).strftime("%Y%m%d") + f"{secrets.randbelow(10**8):08d}"
        tax = round(order.amount_fen * TAX_RATE_PERCENT / (100 + TAX_RATE_PERCENT))
        drawn = self._draw(order, lines, invoice_no, tax, by, now)
        signed = self._sign(render(drawn, self.font_paths(), f"电子发票 {invoice_no}"))
        try:
            with self.db.write() as s:
                sha = store_blob(s, self.store, signed, "application/pdf")
                invoice = Invoice(order_id=order_id, invoice_no=invoice_no, amount_fen=order.amount_fen,
                                  tax_fen=tax, pdf_sha256=sha, issued_by=by.id if by else None, issued_at=now)
                s.add(invoice)
                s.flush()
                audit.record(s, Actor(by.id, by.username, ip) if by else None, AuditAction.INVOICE_ISSUE, "order",
                             order_id,
                             {"order_no": order.order_no, "invoice_no": invoice_no, "amount_fen": order.amount_fen,
                              "pdf": sha})
        except IntegrityError:  # issued concurrently: keep the first
            found = self.for_order(order_id)
            assert found is not None
            return found
        return invoice

    def _draw(self, order: Order, lines: list[tuple[int, Application]], invoice_no: str, tax: int,
              by: Account | None, now) -> Page:
        buyer = order.invoice_snapshot or {}
        settings = self.settings
        page = Page()
        page.text(297.5, 50, INVOICE_TYPE_LABELS[InvoiceType(buyer.get("invoice_type", "normal"))], 18, "center")
        page.line(200, 78, 395, 78, 1.2)
        page.text(400, 95, f"发票号码：{invoice_no}", 9.5)
        page.text(400, 110, f"开票日期：{beijing(now):%Y年%m月%d日}", 9.5)
        page.text(400, 125, f"订单号：{order.order_no}", 9.5)
        page.rect(40, 145, 515, 90)
        page.text(50, 152, "购买方", 10.5)
        page.text(50, 170, f"名称：{buyer.get('title', '')}", 10)
        page.text(50, 186, f"纳税人识别号：{buyer.get('tax_number', '')}", 10)
        page.text(50, 202, f"地址、电话：{buyer.get('address', '')} {buyer.get('phone', '')}".rstrip("：").rstrip(), 10)
        page.text(50, 218, f"开户行及账号：{buyer.get('bank_name', '')} {buyer.get('bank_account', '')}".rstrip(), 10)
        page.rect(40, 245, 515, 30 + 18 * len(lines))
        for x, head in ((50, "项目名称"), (300, "数量"), (350, "金额（不含税）"), (450, "税率"), (500, "税额")):
            page.text(x, 252, head, 9.5)
        remaining_tax = tax
        for i, (amount, app) in enumerate(lines):
            item_tax = remaining_tax if i == len(lines) - 1 else round(amount * TAX_RATE_PERCENT / 106)
            remaining_tax -= item_tax
            period = f" {app.period_years}年" if app.period_years else ""
            name = (f"*信息技术服务*数字证书{APPLICATION_KIND_LABELS[app.kind]}"
                    f"（{CERTIFICATE_KIND_LABELS[app.certificate_kind]}{period}）")
            y = 270 + 18 * i
            page.text(50, y, name, 9.5)
            page.text(300, y, "1", 9.5)
            page.text(430, y, yuan(amount - item_tax), 9.5, "right")
            page.text(450, y, f"{TAX_RATE_PERCENT}%", 9.5)
            page.text(545, y, yuan(item_tax), 9.5, "right")
        y = 285 + 18 * len(lines)
        page.text(50, y, f"价税合计（大写）：{capital_amount(order.amount_fen)}", 10.5)
        page.text(545, y, f"（小写）¥{yuan(order.amount_fen)}", 10.5, "right")
        page.rect(40, y + 25, 515, 58)
        page.text(50, y + 32, "销售方", 10.5)
        page.text(50, y + 50, f"名称：{settings.platform_name}", 10)
        page.text(50, y + 66, f"纳税人识别号：{settings.platform_tax_number}", 10)
        page.text(50, y + 100, f"开票人：{by.display_name if by else '系统'}", 10)
        page.text(50, y + 116, "本发票由平台电子发票签章证书签名，可用平台根证书验证。", 9)
        return page

    def _sign(self, pdf: bytes) -> bytes:
        """A visible approval signature of the platform's invoice certificate, bottom right."""
        pair = self.ca.service_pair("invoice", f"{self.settings.platform_name} 电子发票签章")
        cert = pair.certificate.public_bytes(serialization.Encoding.DER)
        chain = [c.public_bytes(serialization.Encoding.DER) for c in self.ca.chain()]
        b64 = base64.b64encode
        field = {"field_name": SEAL_FIELD, "page": 1, "x": 385, "y": 60, "width": 170, "height": 70}
        prepared_doc = self.pool.request("prepare_document", pdf=b64(pdf).decode(), placements=[field],
                                         max_bytes=len(pdf) + 1024 * 1024)
        prepared = self.pool.request(
            "prepare_round", pdf=prepared_doc["pdf"], field_name=SEAL_FIELD, cert=b64(cert).decode(),
            chain=[b64(c).decode() for c in chain], font_paths=self.font_paths(),
            stamp_lines=[f"{self.settings.platform_name} 发票专用", f"签于 {SIGNING_TIME_PLACEHOLDER}"],
            reason="电子发票", location=None)["prepared"]
        signature = pair.private_key.sign(base64.b64decode(prepared["signed_attrs"]), ec.ECDSA(hashes.SHA256()))
        result = self.pool.request("finish_round", prepared=prepared, signature=b64(signature).decode(),
                                   cert=b64(cert).decode(), chain=[b64(c).decode() for c in chain])
        return base64.b64decode(result["pdf"])
