"""Payments (B5) behind a provider interface; the sandbox provider signs notifications like a real gateway.

A notification is trusted only after its signature verifies (HMAC-SHA256 over the raw body with the
provider secret, compared in constant time), and applied only when its amount equals the order's. It is
recorded under a UNIQUE (provider, transaction id) in the same transaction as the order's transition, so
at-least-once delivery is harmless: a replay finds the row and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signer.accounts import access
from signer.accounts.models import Account
from signer.billing.models import Order, PaymentNotification
from signer.billing.orders import OrderService, mark_paid
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import DomainError, ErrorCode, Forbidden, NotFound, Unprocessable, ValidationFailed
from signer.core.models import utcnow

_TRANSACTION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ORDER_NO = re.compile(r"[A-Z0-9]{1,32}")


@dataclass(frozen=True)
class Notification:
    order_no: str
    transaction_id: str
    amount_fen: int
    paid_at: datetime


class PaymentProvider(Protocol):
    name: str

    def parse(self, body: bytes, signature: str | None) -> Notification:
        """Verify and decode a notification; Forbidden when the signature is wrong."""


class SandboxProvider:
    """The sandbox gateway: a cashier page that pays at once, notifications signed with a shared secret."""

    name = "sandbox"

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def notification(self, order_no: str, amount_fen: int) -> bytes:
        """The body the gateway posts after a successful payment (a fresh transaction id)."""
        return json.dumps({"order_no": order_no, "transaction_id": "SBX" + secrets.token_hex(12),
                           "amount_fen": amount_fen, "status": "SUCCESS", "paid_at": utcnow().isoformat()},
                          separators=(",", ":")).encode()

    def parse(self, body: bytes, signature: str | None) -> Notification:
        if not signature or not hmac.compare_digest(self.sign(body), signature.strip().lower()):
            raise Forbidden("支付通知签名无效", code=ErrorCode.BAD_SIGNATURE)
        try:
            data = json.loads(body)
            order_no, transaction_id = data["order_no"], data["transaction_id"]
            amount, status = data["amount_fen"], data["status"]
            paid_at = datetime.fromisoformat(data["paid_at"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationFailed("支付通知格式错误", code=ErrorCode.BAD_NOTIFICATION) from exc
        if (not isinstance(order_no, str) or not _ORDER_NO.fullmatch(order_no)
                or not isinstance(transaction_id, str) or not _TRANSACTION.fullmatch(transaction_id)
                or not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or paid_at.tzinfo is None):
            raise ValidationFailed("支付通知格式错误", code=ErrorCode.BAD_NOTIFICATION)
        if status != "SUCCESS":
            raise ValidationFailed("支付未成功", code=ErrorCode.NOT_SUCCESS)
        return Notification(order_no, transaction_id, amount, paid_at)


@dataclass(frozen=True)
class PaymentOutcome:
    order_no: str
    duplicate: bool


class PaymentService:
    def __init__(self, db: Database, provider: SandboxProvider, orders: OrderService) -> None:
        self.db = db
        self.provider = provider
        self.orders = orders

    def notify(self, body: bytes, signature: str | None, ip: str) -> PaymentOutcome:
        """Handle one gateway notification: pay the order once; a replay is answered as a duplicate."""
        note = self.provider.parse(body, signature)
        actor = Actor(None, f"payment:{self.provider.name}", ip)
        try:
            with self.db.write() as s:
                s.add(PaymentNotification(provider=self.provider.name, transaction_id=note.transaction_id,
                                          order_no=note.order_no, amount_fen=note.amount_fen))
                s.flush()
                order = s.scalar(select(Order).where(Order.order_no == note.order_no).with_for_update())
                if order is None:
                    raise NotFound("订单不存在")
                if note.amount_fen != order.amount_fen:
                    raise Unprocessable("支付金额与订单金额不符", code=ErrorCode.AMOUNT_MISMATCH,
                                        details={"order_fen": order.amount_fen, "paid_fen": note.amount_fen})
                mark_paid(s, order, self.provider.name, note.transaction_id, actor)
        except IntegrityError:
            return PaymentOutcome(note.order_no, duplicate=True)
        except DomainError as exc:  # unknown order, wrong amount, cancelled or already paid by another
            self._refused(note, actor, exc.code)
            raise
        return PaymentOutcome(note.order_no, duplicate=False)

    def _refused(self, note: Notification, actor: Actor, code: str) -> None:
        """A refused payment is kept in the audit chain (someone may need a refund)."""
        with self.db.write() as s:
            audit.record(s, actor, AuditAction.PAYMENT_REFUSED, "order", note.order_no,
                         {"transaction_id": note.transaction_id, "amount_fen": note.amount_fen, "code": code})

    def sandbox_pay(self, actor: Account, order_no: str, ip: str) -> PaymentOutcome:
        """收银台 确认支付: the sandbox gateway takes the money and notifies us through the same path."""
        order = self.orders.get(actor, order_no)
        access.enterprise_member(actor)
        self.orders.require_payable(order)
        body = self.provider.notification(order.order_no, order.amount_fen)
        return self.notify(body, self.provider.sign(body), ip)
