"""Moving an application or its KEY shipping along their tables (compare-and-set)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signer.applications.enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    APPLICATION_TRANSITIONS,
    SHIPPING_STATUS_LABELS,
    SHIPPING_TRANSITIONS,
    ApplicationKind,
    ApplicationStatus,
    ShippingStatus,
)
from signer.applications.models import Application
from signer.core.transitions import compare_and_set


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


def move_shipping(session: Session, app_id: int, expected: ShippingStatus, new: ShippingStatus,
                  **values: Any) -> None:
    compare_and_set(
        session, SHIPPING_TRANSITIONS, Application.shipping_status, app_id, expected, new,
        illegal=f"物流状态为{SHIPPING_STATUS_LABELS[expected]}，不能变为{SHIPPING_STATUS_LABELS[new]}",
        lost="物流状态已被他人更改，请刷新后重试", **values,
    )
