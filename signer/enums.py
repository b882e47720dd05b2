"""Status enums with the manual's Chinese labels."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # 管理员
    OPERATOR = "operator"  # 操作员
    REVIEWER = "reviewer"  # 平台审核员


class CertificateKind(enum.StrEnum):
    MOBILE = "mobile"  # 移动端证书
    KEY = "key"  # 实体KEY证书
    ANXINQIAN = "anxinqian"  # 安心签


class CertificateStatus(enum.StrEnum):
    PENDING_ORDER = "pending_order"
    PENDING_PAYMENT = "pending_payment"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    IN_PRODUCTION = "in_production"
    PENDING_DOWNLOAD = "pending_download"
    EFFECTIVE = "effective"
    EXPIRED = "expired"
    FROZEN = "frozen"
    REVOKED = "revoked"


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.PENDING_ORDER: "待生成订单",
    CertificateStatus.PENDING_PAYMENT: "待支付",
    CertificateStatus.PENDING_REVIEW: "待审核",
    CertificateStatus.REJECTED: "已驳回",
    CertificateStatus.IN_PRODUCTION: "待制作",
    CertificateStatus.PENDING_DOWNLOAD: "待下载",
    CertificateStatus.EFFECTIVE: "已生效",
    CertificateStatus.EXPIRED: "已失效",
    CertificateStatus.FROZEN: "已冻结",
    CertificateStatus.REVOKED: "已吊销",
}
EXPIRING_LABEL = "即将失效"  # shown for an effective certificate inside the renewal window


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


class SealKind(enum.StrEnum):
    COMPANY = "company"  # 企业公章
    LEGAL_REP = "legal_rep"  # 法定代表人签(名)章
    HANDWRITTEN = "handwritten"  # 手写签名


SEAL_KIND_LABELS = {
    SealKind.COMPANY: "企业公章",
    SealKind.LEGAL_REP: "法定代表人章",
    SealKind.HANDWRITTEN: "手写签名",
}


class PadesLevel(enum.StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class RevocationReason(enum.StrEnum):
    """RFC 5280 reasons we publish; never unspecified nor certificateHold (freeze is a keystore lock)."""

    KEY_COMPROMISE = "key_compromise"
    AFFILIATION_CHANGED = "affiliation_changed"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation_of_operation"
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"
