"""The lifecycle's state machines, one table each, and the compare-and-set that applies them.

Every move is ``UPDATE … SET status = :new WHERE id = :id AND status = :expected``: zero rows means
someone else moved first, and the caller's transaction (with its audit event) rolls back. A move the
table does not allow is refused before touching the database. Both are ``Conflict`` (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..db import rowcount
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
from ..errors import Conflict, ErrorCode
from ..models_lifecycle import Application, Order

A = ApplicationStatus
K = ApplicationKind
E = TypeVar("E", bound=StrEnum)
Table = Mapping[E, frozenset[E]]

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


def allowed(table: Table[E], expected: E, new: E) -> bool:
    return new in table[expected]


def _cas(session: Session, model: type, key: Any, column: Any, expected: Any, new: Any, **values: Any) -> bool:
    result = session.execute(
        update(model).where(key, column == expected).values({column.key: new, **values})
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def move_application(session: Session, app_id: int, kind: ApplicationKind, expected: ApplicationStatus,
                     new: ApplicationStatus, **values: Any) -> None:
    """Compare-and-set an application's status along its kind's table; Conflict when illegal or lost."""
    if not allowed(APPLICATION_TRANSITIONS[kind], expected, new):
        raise Conflict(
            f"{APPLICATION_KIND_LABELS[kind]}申请状态为{APPLICATION_STATUS_LABELS[expected]}，"
            f"不能变为{APPLICATION_STATUS_LABELS[new]}",
            code=ErrorCode.ILLEGAL_TRANSITION,
            details={"status": expected.value, "requested": new.value},
        )
    if not _cas(session, Application, Application.id == app_id, Application.status, expected, new, **values):
        raise Conflict("申请状态已被他人更改，请刷新后重试", code=ErrorCode.STATE_CHANGED)


def move_order(session: Session, order_id: int, expected: OrderStatus, new: OrderStatus, **values: Any) -> None:
    if not allowed(ORDER_TRANSITIONS, expected, new):
        raise Conflict(f"订单状态为{ORDER_STATUS_LABELS[expected]}，不能变为{ORDER_STATUS_LABELS[new]}",
                       code=ErrorCode.ILLEGAL_TRANSITION, details={"status": expected.value, "requested": new.value})
    if not _cas(session, Order, Order.id == order_id, Order.status, expected, new, **values):
        raise Conflict("订单状态已被他人更改，请刷新后重试", code=ErrorCode.STATE_CHANGED)


def move_shipping(session: Session, app_id: int, expected: ShippingStatus, new: ShippingStatus,
                  **values: Any) -> None:
    if not allowed(SHIPPING_TRANSITIONS, expected, new):
        raise Conflict(f"物流状态为{SHIPPING_STATUS_LABELS[expected]}，不能变为{SHIPPING_STATUS_LABELS[new]}",
                       code=ErrorCode.ILLEGAL_TRANSITION)
    if not _cas(session, Application, Application.id == app_id, Application.shipping_status, expected, new,
                **values):
        raise Conflict("物流状态已被他人更改，请刷新后重试", code=ErrorCode.STATE_CHANGED)
