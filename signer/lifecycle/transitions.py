"""The lifecycle's state machines, one table each (applications by kind, orders, KEY shipping).

They apply through the one compare-and-set of signer/transitions.py (``illegal_transition`` /
``state_changed``, HTTP 409, nothing changed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    ORDER_STATUS_LABELS,
    SHIPPING_STATUS_LABELS,
    ApplicationKind,
    ApplicationStatus,
    OrderStatus,
    ShippingStatus,
)
from ..models_lifecycle import Application, Order
from ..transitions import Table, compare_and_set

A = ApplicationStatus
K = ApplicationKind

# 新签, 续签, 变更, 补办, 延长有效期: order → payment → review; a rejection can be re-applied (already paid).
PAID_AND_REVIEWED: Table[ApplicationStatus] = {
    A.PENDING_ORDER: frozenset({A.PENDING_PAYMENT, A.CANCELLED}),
    A.PENDING_PAYMENT: frozenset({A.PENDING_REVIEW, A.PENDING_ORDER}),  # paid / order cancelled
    A.PENDING_REVIEW: frozenset({A.APPROVED, A.REJECTED}),
    A.REJECTED: frozenset({A.PENDING_REVIEW, A.CANCELLED}),
    A.APPROVED: frozenset(),
    A.CANCELLED: frozenset(),
}
# 解冻: SMS check and review, no fee.
REVIEWED: Table[ApplicationStatus] = {
    A.PENDING_ORDER: frozenset(),
    A.PENDING_PAYMENT: frozenset(),
    A.PENDING_REVIEW: frozenset({A.APPROVED, A.REJECTED}),
    A.REJECTED: frozenset({A.PENDING_REVIEW, A.CANCELLED}),
    A.APPROVED: frozenset(),
    A.CANCELLED: frozenset(),
}
# 吊销 (an administrator, after the SMS check; a compromised key must not wait for a review) and
# 变更手机号 (the new number proves itself by SMS): done when submitted.
IMMEDIATE: Table[ApplicationStatus] = {status: frozenset() for status in ApplicationStatus}

APPLICATION_TRANSITIONS: dict[ApplicationKind, Table[ApplicationStatus]] = {
    K.NEW: PAID_AND_REVIEWED,
    K.RENEW: PAID_AND_REVIEWED,
    K.CHANGE: PAID_AND_REVIEWED,
    K.REISSUE: PAID_AND_REVIEWED,
    K.EXTEND: PAID_AND_REVIEWED,
    K.UNFREEZE: REVIEWED,
    K.REVOKE: IMMEDIATE,
    K.PHONE_CHANGE: IMMEDIATE,
}
INITIAL_STATUS: dict[ApplicationKind, ApplicationStatus] = {
    K.NEW: A.PENDING_ORDER,
    K.RENEW: A.PENDING_ORDER,
    K.CHANGE: A.PENDING_ORDER,
    K.REISSUE: A.PENDING_ORDER,
    K.EXTEND: A.PENDING_ORDER,
    K.UNFREEZE: A.PENDING_REVIEW,
    K.REVOKE: A.APPROVED,
    K.PHONE_CHANGE: A.APPROVED,
}

OS = OrderStatus
ORDER_TRANSITIONS: Table[OrderStatus] = {
    OS.PENDING_PAYMENT: frozenset({OS.PAID, OS.CANCELLED}),
    OS.PAID: frozenset(),
    OS.CANCELLED: frozenset(),
}

SH = ShippingStatus
SHIPPING_TRANSITIONS: Table[ShippingStatus] = {
    SH.PENDING: frozenset({SH.SHIPPED}),
    SH.SHIPPED: frozenset({SH.DELIVERED}),
    SH.DELIVERED: frozenset(),
}


def move_application(session: Session, app_id: int, kind: ApplicationKind, expected: ApplicationStatus,
                     new: ApplicationStatus, **values: Any) -> None:
    """Compare-and-set an application's status along its kind's table; Conflict when illegal or lost."""
    compare_and_set(
        session, APPLICATION_TRANSITIONS[kind], Application.status, app_id, expected, new,
        illegal=f"{APPLICATION_KIND_LABELS[kind]}申请状态为{APPLICATION_STATUS_LABELS[expected]}，"
                f"不能变为{APPLICATION_STATUS_LABELS[new]}",
        lost="申请状态已被他人更改，请刷新后重试",
        details={"status": expected.value, "requested": new.value}, **values,
    )


def move_order(session: Session, order_id: int, expected: OrderStatus, new: OrderStatus, **values: Any) -> None:
    compare_and_set(
        session, ORDER_TRANSITIONS, Order.status, order_id, expected, new,
        illegal=f"订单状态为{ORDER_STATUS_LABELS[expected]}，不能变为{ORDER_STATUS_LABELS[new]}",
        lost="订单状态已被他人更改，请刷新后重试",
        details={"status": expected.value, "requested": new.value}, **values,
    )


def move_shipping(session: Session, app_id: int, expected: ShippingStatus, new: ShippingStatus,
                  **values: Any) -> None:
    compare_and_set(
        session, SHIPPING_TRANSITIONS, Application.shipping_status, app_id, expected, new,
        illegal=f"物流状态为{SHIPPING_STATUS_LABELS[expected]}，不能变为{SHIPPING_STATUS_LABELS[new]}",
        lost="物流状态已被他人更改，请刷新后重试", **values,
    )
