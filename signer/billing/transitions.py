"""Moving an order along ORDER_TRANSITIONS (compare-and-set)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signer.billing.enums import ORDER_STATUS_LABELS, ORDER_TRANSITIONS, OrderStatus
from signer.billing.models import Order
from signer.core.transitions import compare_and_set


def move_order(session: Session, order_id: int, expected: OrderStatus, new: OrderStatus, **values: Any) -> None:
    compare_and_set(
        session, ORDER_TRANSITIONS, Order.status, order_id, expected, new,
        illegal=f"订单状态为{ORDER_STATUS_LABELS[expected]}，不能变为{ORDER_STATUS_LABELS[new]}",
        lost="订单状态已被他人更改，请刷新后重试",
        details={"status": expected.value, "requested": new.value}, **values,
    )
