"""Signing session statuses with labels and transition table; PAdES levels."""

from __future__ import annotations

import enum


class SessionStatus(enum.StrEnum):
    WAITING = "waiting"
    SCANNED = "scanned"
    SIGNING = "signing"
    SIGNED = "signed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


SESSION_STATUS_LABELS = {
    SessionStatus.WAITING: "待扫码",
    SessionStatus.SCANNED: "已扫码",
    SessionStatus.SIGNING: "签署中",
    SessionStatus.SIGNED: "已签署",
    SessionStatus.REJECTED: "已拒绝",
    SessionStatus.CANCELLED: "已取消",
    SessionStatus.EXPIRED: "已过期",
    SessionStatus.FAILED: "签署失败",
}


TERMINAL_SESSION_STATUSES = frozenset(
    {
        SessionStatus.SIGNED,
        SessionStatus.REJECTED,
        SessionStatus.CANCELLED,
        SessionStatus.EXPIRED,
        SessionStatus.FAILED,
    }
)


class PadesLevel(enum.StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


S = SessionStatus


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
