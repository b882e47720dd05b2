"""The one compare-and-set every state machine uses, and the certificate's and signing session's tables.

A move is ``UPDATE … SET status = :new WHERE id = :id AND status = :expected``: zero rows means someone
else moved first, and the caller's transaction (with its audit event) rolls back. A move the table does not
allow is refused before touching the database. Both are ``Conflict`` (HTTP 409): ``illegal_transition``
and ``state_changed``. The lifecycle's tables (applications, orders, shipping) are in
signer/lifecycle/transitions.py and apply through the same ``compare_and_set``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session

from .db import rowcount
from .enums import CERTIFICATE_STATUS_LABELS, SESSION_STATUS_LABELS, CertificateStatus, SessionStatus
from .errors import Conflict, ErrorCode
from .models import Certificate, SigningSession

C = CertificateStatus
S = SessionStatus
E = TypeVar("E", bound=StrEnum)
Table = Mapping[E, frozenset[E]]

# A certificate row exists from the review's approval on (待制作 for a KEY, 待下载 for the APP); what comes
# before (待生成订单 … 已驳回) is the status of its application (signer/lifecycle/transitions.py), which the
# certificate list shows instead. 已收回 (WITHDRAWN): replaced by a successor, revoked on the CRL too.
CERTIFICATE_TRANSITIONS: dict[CertificateStatus, frozenset[CertificateStatus]] = {
    C.IN_PRODUCTION: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.PENDING_DOWNLOAD: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.EFFECTIVE: frozenset({C.FROZEN, C.REVOKED, C.EXPIRED, C.WITHDRAWN}),
    C.FROZEN: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.EXPIRED: frozenset({C.REVOKED, C.WITHDRAWN}),
    C.REVOKED: frozenset(),
    C.WITHDRAWN: frozenset(),
}

SESSION_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    S.WAITING: frozenset({S.SCANNED, S.CANCELLED, S.EXPIRED}),
    S.SCANNED: frozenset({S.SIGNING, S.REJECTED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.SIGNING: frozenset({S.SIGNED, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.SIGNED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.FAILED: frozenset(),
}


def swap(session: Session, column: InstrumentedAttribute[Any], row_id: Any, expected: Any, new: Any,
         **values: Any) -> bool:
    """``UPDATE … SET column = new WHERE id = row_id AND column = expected``; True when the row moved."""
    model = column.class_
    result = session.execute(
        update(model).where(model.id == row_id, column == expected)
        .values({column.key: new, **values})
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def compare_and_set(session: Session, table: Table[E], column: InstrumentedAttribute[Any], row_id: Any,
                    expected: E, new: E, *, illegal: str, lost: str, details: dict[str, Any] | None = None,
                    **values: Any) -> None:
    """Move ``column`` of row ``row_id`` from ``expected`` to ``new`` along ``table``, writing ``values`` too.

    Conflict ``illegal_transition`` (message ``illegal``) when the table forbids the move, ``state_changed``
    (message ``lost``) when the row is no longer ``expected``; either way nothing changed.
    """
    if new not in table[expected]:
        raise Conflict(illegal, code=ErrorCode.ILLEGAL_TRANSITION, details=details)
    if not swap(session, column, row_id, expected, new, **values):
        raise Conflict(lost, code=ErrorCode.STATE_CHANGED)


def move_certificate(session: Session, cert_id: int, expected: CertificateStatus, new: CertificateStatus,
                     **values: Any) -> None:
    """Compare-and-set a certificate's status; Conflict (nothing changed) when illegal or lost."""
    compare_and_set(
        session, CERTIFICATE_TRANSITIONS, Certificate.status, cert_id, expected, new,
        illegal=f"证书状态为{CERTIFICATE_STATUS_LABELS[expected]}，不能变为{CERTIFICATE_STATUS_LABELS[new]}",
        lost="证书状态已被他人更改，请刷新后重试", **values,
    )


def move_session(session: Session, session_id: str, expected: SessionStatus | frozenset[SessionStatus],
                 new: SessionStatus, **values: Any) -> SessionStatus:
    """Compare-and-set a signing session's status from one of ``expected``; returns the old status."""
    candidates = expected if isinstance(expected, frozenset) else frozenset({expected})
    allowed = [old for old in candidates if new in SESSION_TRANSITIONS[old]]
    if not allowed:
        raise Conflict(f"签署会话不能变为{SESSION_STATUS_LABELS[new]}", code=ErrorCode.ILLEGAL_TRANSITION)
    for old in allowed:
        if swap(session, SigningSession.status, session_id, old, new, **values):
            return old
    raise Conflict("签署会话状态已变化，操作未执行", code=ErrorCode.STATE_CHANGED)
