"""Allowed state transitions, in one place, and the compare-and-set that applies them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from .enums import CERTIFICATE_STATUS_LABELS, SESSION_STATUS_LABELS, CertificateStatus, SessionStatus
from .errors import Conflict
from .models import Certificate, SigningSession

C = CertificateStatus
S = SessionStatus

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


def move_certificate(session: Session, cert_id: int, expected: CertificateStatus, new: CertificateStatus,
                     **values: Any) -> None:
    """Compare-and-set a certificate's status; Conflict (nothing changed) when illegal or lost."""
    if new not in CERTIFICATE_TRANSITIONS[expected]:
        raise Conflict(
            f"证书状态为{CERTIFICATE_STATUS_LABELS[expected]}，不能变为{CERTIFICATE_STATUS_LABELS[new]}",
            code="illegal_transition",
        )
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == cert_id, Certificate.status == expected)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("证书状态已被他人更改，请刷新后重试", code="state_changed")


def move_session(session: Session, session_id: str, expected: SessionStatus | frozenset[SessionStatus],
                 new: SessionStatus, **values: Any) -> SessionStatus:
    """Compare-and-set a signing session's status from one of ``expected``; returns the old status."""
    candidates = expected if isinstance(expected, frozenset) else frozenset({expected})
    allowed = [old for old in candidates if new in SESSION_TRANSITIONS[old]]
    if not allowed:
        raise Conflict(f"签署会话不能变为{SESSION_STATUS_LABELS[new]}", code="illegal_transition")
    for old in allowed:
        result = session.execute(
            update(SigningSession)
            .where(SigningSession.id == session_id, SigningSession.status == old)
            .values(status=new, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return old
    raise Conflict("签署会话状态已变化，操作未执行", code="state_changed")
