"""Order statuses and invoice types with labels, and the order's transition table."""

from __future__ import annotations

import enum

from signer.core.transitions import Table


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: "待支付",
    OrderStatus.PAID: "已支付",
    OrderStatus.CANCELLED: "已取消",
}


class InvoiceType(enum.StrEnum):
    NORMAL = "normal"
    SPECIAL = "special"


INVOICE_TYPE_LABELS = {
    InvoiceType.NORMAL: "增值税电子普通发票",
    InvoiceType.SPECIAL: "增值税电子专用发票",
}


OS = OrderStatus


ORDER_TRANSITIONS: Table[OrderStatus] = {
    OS.PENDING_PAYMENT: frozenset({OS.PAID, OS.CANCELLED}),
    OS.PAID: frozenset(),
    OS.CANCELLED: frozenset(),
}
