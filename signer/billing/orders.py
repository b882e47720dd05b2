"""Orders (B4, B5): one or several applications (批量生成订单), an invoice profile, payment, cancellation.

Creating an order moves every application 待生成订单 → 待支付 in the same transaction (all or none);
paying it moves the order to 已支付 and its applications to 待审核; cancelling moves them back to
待生成订单. An order of 0.00 元 (安心签 变更) is paid when it is created: there is nothing to pay.
"""

from __future__ import annotations

import builtins
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signer.accounts import access
from signer.accounts.models import Account
from signer.applications.enums import ApplicationStatus
from signer.applications.models import Application
from signer.applications.records import ORDER_VIEW, order_items, with_view
from signer.applications.transitions import move_application
from signer.billing.enums import OrderStatus
from signer.billing.models import Invoice, InvoiceProfile, Order, OrderItem
from signer.billing.transitions import move_order
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database, must_get
from signer.core.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.core.timeutil import beijing_text

A = ApplicationStatus
MAX_ITEMS = 50
FREE_PROVIDER = "free"


@dataclass(frozen=True)
class OrderFacts:
    """An order with its items (and their applications) and its electronic invoice; api/presenters.py shows it."""

    order: Order
    items: list[tuple[OrderItem, Application]]
    invoice: Invoice | None


def new_order_no() -> str:
    """CO + Beijing time to the second (the date the customer sees) + 6 random digits (unique constraint decides)."""
    return "CO" + beijing_text(utcnow(), "%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}"


def profile_snapshot(profile: InvoiceProfile) -> dict[str, Any]:
    """What the invoice of an order shows, frozen when the order is made (later edits do not change it)."""
    return {"profile_id": profile.id, "invoice_type": profile.invoice_type.value, "title": profile.title,
            "tax_number": profile.tax_number, "address": profile.address, "phone": profile.phone,
            "bank_name": profile.bank_name, "bank_account": profile.bank_account, "email": profile.email}


def mark_paid(s: Session, order: Order, provider: str, transaction_id: str, actor: Actor | None) -> None:
    """待支付 → 已支付, and every application of the order 待支付 → 待审核 (inside the caller's transaction)."""
    now = utcnow()
    move_order(s, order.id, order.status, OrderStatus.PAID, paid_at=now, provider=provider,
               transaction_id=transaction_id)
    apps = list(s.scalars(select(Application).join(OrderItem, OrderItem.application_id == Application.id)
                          .where(OrderItem.order_id == order.id)))
    for app in apps:
        move_application(s, app.id, app.kind, A.PENDING_PAYMENT, A.PENDING_REVIEW, submitted_at=now)
    audit.record(s, actor, AuditAction.ORDER_PAID, "order", order.id, {
        "order_no": order.order_no, "amount_fen": order.amount_fen, "provider": provider,
        "transaction_id": transaction_id, "applications": [a.id for a in apps]})


class OrderService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, actor: Account, application_ids: list[int], invoice_profile_id: int | None,
               ip: str) -> Order:
        """生成订单 / 批量生成订单 (B4): payment method 在线支付; the default invoice profile unless chosen."""
        enterprise_id = access.enterprise_member(actor)
        ids = list(dict.fromkeys(application_ids))
        if not 1 <= len(ids) <= MAX_ITEMS:
            raise ValidationFailed(f"请选择1至{MAX_ITEMS}个申请", details={"application_ids": ["1-50个"]})
        who = Actor(actor.id, actor.username, ip)
        with self.db.write() as s:
            apps = []
            for app_id in ids:
                app = access.own(s.get(Application, app_id), actor, "申请")
                apps.append(app)
            profile = self._profile(s, enterprise_id, invoice_profile_id)
            order = Order(order_no=new_order_no(), enterprise_id=enterprise_id, created_by=actor.id,
                          status=OrderStatus.PENDING_PAYMENT, amount_fen=sum(a.price_fen for a in apps),
                          payment_method="online", invoice_profile_id=profile.id if profile else None,
                          invoice_snapshot=profile_snapshot(profile) if profile else None)
            s.add(order)
            s.flush()
            for app in apps:
                move_application(s, app.id, app.kind, app.status, A.PENDING_PAYMENT)
                s.add(OrderItem(order_id=order.id, application_id=app.id, amount_fen=app.price_fen))
            audit.record(s, who, AuditAction.ORDER_CREATE, "order", order.id, {
                "order_no": order.order_no, "amount_fen": order.amount_fen, "applications": ids,
                "invoice_profile": order.invoice_profile_id})
            for app in apps:
                audit.record(s, who, AuditAction.APPLICATION_ORDER, "application", app.id, {"order_no": order.order_no})
            if order.amount_fen == 0:
                mark_paid(s, order, FREE_PROVIDER, order.order_no, who)
        return self.get(actor, order.order_no)

    @staticmethod
    def _profile(s: Session, enterprise_id: int, profile_id: int | None) -> InvoiceProfile | None:
        if profile_id is None:
            return s.scalar(select(InvoiceProfile).where(InvoiceProfile.enterprise_id == enterprise_id,
                                                         InvoiceProfile.is_default.is_(True),
                                                         InvoiceProfile.deleted_at.is_(None)))
        profile = s.get(InvoiceProfile, profile_id)
        if profile is None or profile.enterprise_id != enterprise_id or profile.deleted_at is not None:
            raise NotFound("发票信息不存在")
        return profile

    def get(self, actor: Account, order_no: str) -> Order:
        with self.db.read() as s:
            return access.own(s.scalar(select(Order).where(Order.order_no == order_no)), actor, "订单")

    def list(self, actor: Account, status: OrderStatus | None = None) -> list[Order]:
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            query = select(Order).where(Order.enterprise_id == enterprise_id)
            if status is not None:
                query = query.where(Order.status == status)
            return list(s.scalars(query.options(*ORDER_VIEW).order_by(Order.id.desc())).unique())

    def items(self, order_id: int) -> builtins.list[tuple[OrderItem, Application]]:
        with self.db.read() as s:
            return [(item, app) for item, app in s.execute(
                select(OrderItem, Application).join(Application, Application.id == OrderItem.application_id)
                .where(OrderItem.order_id == order_id).order_by(OrderItem.id)).all()]

    def for_certificate(self, actor: Account, cert_id: int) -> builtins.list[Order]:
        """关联订单: the orders of every application about (or creating) this certificate."""
        enterprise_id = access.enterprise_member(actor)
        with self.db.read() as s:
            app_ids = select(Application.id).where(Application.enterprise_id == enterprise_id,
                                                   (Application.certificate_id == cert_id)
                                                   | (Application.result_certificate_id == cert_id))
            order_ids = select(OrderItem.order_id).where(OrderItem.application_id.in_(app_ids))
            return list(s.scalars(select(Order).where(Order.id.in_(order_ids)).options(*ORDER_VIEW)
                                  .order_by(Order.id.desc())).unique())

    def for_application(self, s: Session, app_id: int) -> Order | None:
        """The application's order that is not cancelled (at most one)."""
        return s.scalar(select(Order).join(OrderItem, OrderItem.order_id == Order.id)
                        .where(OrderItem.application_id == app_id, Order.status != OrderStatus.CANCELLED))

    def cancel(self, actor: Account, order_no: str, ip: str) -> Order:
        """取消 an unpaid order: its applications go back to 待生成订单."""
        access.enterprise_member(actor)
        who = Actor(actor.id, actor.username, ip)
        with self.db.write() as s:
            order = access.own(s.scalar(select(Order).where(Order.order_no == order_no)), actor, "订单")
            move_order(s, order.id, order.status, OrderStatus.CANCELLED, cancelled_at=utcnow())
            for item in s.scalars(select(OrderItem).where(OrderItem.order_id == order.id)):
                app = must_get(s, Application, item.application_id)
                move_application(s, app.id, app.kind, A.PENDING_PAYMENT, A.PENDING_ORDER)
            audit.record(s, who, AuditAction.ORDER_CANCEL, "order", order.id, {"order_no": order.order_no})
        return self.get(actor, order_no)

    def view(self, order: Order) -> OrderFacts:
        """The order with its items and electronic invoice (loaded with the list, else here)."""
        loaded = with_view(self.db, order)
        return OrderFacts(order, order_items(loaded), loaded.invoice)

    def facts(self, order: Order, invoice: Invoice | None = None) -> OrderFacts:
        return OrderFacts(order, self.items(order.id), invoice)

    @staticmethod
    def require_payable(order: Order) -> None:
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict("订单不是待支付状态", code=ErrorCode.NOT_PAYABLE, details={"status": order.status.value})
