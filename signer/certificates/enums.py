"""Certificate kinds and statuses with their labels, and the certificate's transition table."""

from __future__ import annotations

import enum


class CertificateKind(enum.StrEnum):
    MOBILE = "mobile"  # 移动端证书
    KEY = "key"  # 实体KEY证书
    ANXINQIAN = "anxinqian"  # 安心签


CERTIFICATE_KIND_LABELS = {
    CertificateKind.MOBILE: "移动端证书",
    CertificateKind.KEY: "实体KEY证书",
    CertificateKind.ANXINQIAN: "安心签证书",
}


class CertificateStatus(enum.StrEnum):
    """A certificate row's stored status; before its row exists, the list shows its application's status."""

    IN_PRODUCTION = "in_production"
    IN_TRANSIT = "in_transit"  # I: the KEY is made and mailed; it takes effect when it is received
    PENDING_DOWNLOAD = "pending_download"
    EFFECTIVE = "effective"
    EXPIRED = "expired"
    FROZEN = "frozen"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"  # replaced by a successor (renewal, change, extension, reissue, unbind)


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.IN_PRODUCTION: "待制作",
    CertificateStatus.IN_TRANSIT: "邮寄中",
    CertificateStatus.PENDING_DOWNLOAD: "待下载",
    CertificateStatus.EFFECTIVE: "已生效",
    CertificateStatus.EXPIRED: "已失效",
    CertificateStatus.FROZEN: "已冻结",
    CertificateStatus.REVOKED: "已吊销",
    CertificateStatus.WITHDRAWN: "已收回",
}


EXPIRING_LABEL = "即将失效"  # shown for an effective certificate inside the renewal window


C = CertificateStatus


# A certificate row exists from the review's approval on (待制作 for a KEY, 待下载 for the APP; a KEY is
# 邮寄中 from 制作并邮寄 until it is received); what comes
# before (待生成订单 … 已驳回) is the status of its application (signer/applications/transitions.py), which the
# certificate list shows instead. 已收回 (WITHDRAWN): replaced by a successor, revoked on the CRL too.
CERTIFICATE_TRANSITIONS: dict[CertificateStatus, frozenset[CertificateStatus]] = {
    C.IN_PRODUCTION: frozenset({C.IN_TRANSIT, C.REVOKED, C.WITHDRAWN}),
    C.IN_TRANSIT: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.PENDING_DOWNLOAD: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.EFFECTIVE: frozenset({C.FROZEN, C.REVOKED, C.EXPIRED, C.WITHDRAWN}),
    C.FROZEN: frozenset({C.EFFECTIVE, C.REVOKED, C.WITHDRAWN}),
    C.EXPIRED: frozenset({C.REVOKED, C.WITHDRAWN}),
    C.REVOKED: frozenset(),
    C.WITHDRAWN: frozenset(),
}
