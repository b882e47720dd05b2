"""Status enums with the manual's Chinese labels."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # 管理员
    OPERATOR = "operator"  # 操作员
    REVIEWER = "reviewer"  # 平台审核员
    SERVICE = "service"  # a business system's API client (cannot log in, scan or sign)


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
    PENDING_DOWNLOAD = "pending_download"
    EFFECTIVE = "effective"
    EXPIRED = "expired"
    FROZEN = "frozen"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"  # replaced by a successor (renewal, change, extension, reissue, unbind)


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.IN_PRODUCTION: "待制作",
    CertificateStatus.PENDING_DOWNLOAD: "待下载",
    CertificateStatus.EFFECTIVE: "已生效",
    CertificateStatus.EXPIRED: "已失效",
    CertificateStatus.FROZEN: "已冻结",
    CertificateStatus.REVOKED: "已吊销",
    CertificateStatus.WITHDRAWN: "已收回",
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


# -- the certificate lifecycle (A–J): applications, orders, invoices, SMS ----------------------------
class ApplicationKind(enum.StrEnum):
    NEW = "new"  # 新签
    RENEW = "renew"  # 续签
    CHANGE = "change"  # 变更
    REISSUE = "reissue"  # 补办
    REVOKE = "revoke"  # 吊销
    UNFREEZE = "unfreeze"  # 解冻
    EXTEND = "extend"  # 延长有效期
    PHONE_CHANGE = "phone_change"  # 变更手机号


APPLICATION_KIND_LABELS = {
    ApplicationKind.NEW: "新签",
    ApplicationKind.RENEW: "续签",
    ApplicationKind.CHANGE: "变更",
    ApplicationKind.REISSUE: "补办",
    ApplicationKind.REVOKE: "吊销",
    ApplicationKind.UNFREEZE: "解冻",
    ApplicationKind.EXTEND: "延长有效期",
    ApplicationKind.PHONE_CHANGE: "变更手机号",
}


class ApplicationStatus(enum.StrEnum):
    """The open ones are what the certificate list shows for a row with an open application."""

    PENDING_ORDER = "pending_order"
    PENDING_PAYMENT = "pending_payment"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    APPROVED = "approved"
    CANCELLED = "cancelled"


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.PENDING_ORDER: "待生成订单",
    ApplicationStatus.PENDING_PAYMENT: "待支付",
    ApplicationStatus.PENDING_REVIEW: "待审核",
    ApplicationStatus.REJECTED: "已驳回",
    ApplicationStatus.APPROVED: "已办结",
    ApplicationStatus.CANCELLED: "已撤销",
}
OPEN_APPLICATION_STATUSES = frozenset({
    ApplicationStatus.PENDING_ORDER, ApplicationStatus.PENDING_PAYMENT, ApplicationStatus.PENDING_REVIEW,
    ApplicationStatus.REJECTED,
})


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: "待支付",
    OrderStatus.PAID: "已支付",
    OrderStatus.CANCELLED: "已取消",
}


class SealType(enum.StrEnum):
    """B2 印章类型: which seals the certificate comes with."""

    COMPANY_AND_LEGAL_REP = "company_and_legal_rep"
    COMPANY = "company"
    NONE = "none"


SEAL_TYPE_LABELS = {
    SealType.COMPANY_AND_LEGAL_REP: "企业公章和法定代表人签(名)章",
    SealType.COMPANY: "企业公章",
    SealType.NONE: "无印章",
}


class IdType(enum.StrEnum):
    RESIDENT_ID = "resident_id"
    HK_MACAO_PASS = "hk_macao_pass"  # noqa: S105 - a document type, not a secret
    TAIWAN_PASS = "taiwan_pass"  # noqa: S105 - a document type, not a secret
    PASSPORT = "passport"


ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: "居民身份证",
    IdType.HK_MACAO_PASS: "港澳居民来往内地通行证",
    IdType.TAIWAN_PASS: "台湾居民来往大陆通行证",
    IdType.PASSPORT: "护照",
}


class AttachmentKind(enum.StrEnum):
    COMPANY_SEAL = "company_seal"  # 企业公章
    LEGAL_REP_SIGNATURE = "legal_rep_signature"  # 法人签字
    LEGAL_REP_SEAL = "legal_rep_seal"  # 法人签章
    APPLICATION_FORM = "application_form"  # 企业证书申请表
    SEAL_FORM = "seal_form"  # 印章采集表
    BUSINESS_LICENSE = "business_license"  # 营业执照（加盖公章）
    OPERATOR_ID = "operator_id"  # 办理人证件（正反面，加盖公章）
    ANXINQIAN_RENAME_FORM = "anxinqian_rename_form"  # 安心签数字证书更名申请表
    RENAMED_BUSINESS_LICENSE = "renamed_business_license"  # 更名后公司营业执照复印件


ATTACHMENT_KIND_LABELS = {
    AttachmentKind.COMPANY_SEAL: "企业公章",
    AttachmentKind.LEGAL_REP_SIGNATURE: "法人签字",
    AttachmentKind.LEGAL_REP_SEAL: "法人签章",
    AttachmentKind.APPLICATION_FORM: "企业证书申请表",
    AttachmentKind.SEAL_FORM: "印章采集表",
    AttachmentKind.BUSINESS_LICENSE: "营业执照（加盖公章）",
    AttachmentKind.OPERATOR_ID: "办理人证件（正反面扫描件并加盖公章）",
    AttachmentKind.ANXINQIAN_RENAME_FORM: "安心签数字证书更名申请表",
    AttachmentKind.RENAMED_BUSINESS_LICENSE: "更名后公司营业执照复印件（加盖公章）",
}


class ShippingStatus(enum.StrEnum):
    """I: the physical KEY's delivery."""

    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


SHIPPING_STATUS_LABELS = {
    ShippingStatus.PENDING: "待发货",
    ShippingStatus.SHIPPED: "已发货",
    ShippingStatus.DELIVERED: "已签收",
}


class InvoiceType(enum.StrEnum):
    NORMAL = "normal"
    SPECIAL = "special"


INVOICE_TYPE_LABELS = {
    InvoiceType.NORMAL: "增值税电子普通发票",
    InvoiceType.SPECIAL: "增值税电子专用发票",
}


class SmsPurpose(enum.StrEnum):
    APPLICATION = "application"  # 手机验证 of the operator on every application form
    PHONE_CHANGE = "phone_change"  # the new number of 变更手机号


class ReissueReason(enum.StrEnum):
    LOST = "lost"  # 手机丢失: the old key may be in other hands
    FORGOT_PASSWORD = "forgot_password"  # noqa: S105 - 忘记签名密码 (a reason, not a secret)
    NEW_DEVICE = "new_device"  # 更换手机


REISSUE_REASON_LABELS = {
    ReissueReason.LOST: "手机丢失",
    ReissueReason.FORGOT_PASSWORD: "忘记签名密码",
    ReissueReason.NEW_DEVICE: "更换手机",
}
