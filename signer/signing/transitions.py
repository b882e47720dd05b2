"""Moving a signing session along SESSION_TRANSITIONS (compare-and-set)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signer.core.errors import Conflict, ErrorCode
from signer.core.transitions import swap
from signer.signing.enums import SESSION_STATUS_LABELS, SESSION_TRANSITIONS, SessionStatus
from signer.signing.models import SigningSession


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
