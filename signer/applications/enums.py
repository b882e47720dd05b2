"""Application kinds, statuses, ID types, attachment kinds and shipping with labels and transition tables."""

from __future__ import annotations

import enum

from signer.core.transitions import Table


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


class ReissueReason(enum.StrEnum):
    LOST = "lost"  # 手机丢失: the old key may be in other hands
    FORGOT_PASSWORD = "forgot_password"  # noqa: S105 - 忘记签名密码 (a reason, not a secret)
    NEW_DEVICE = "new_device"  # 更换手机


REISSUE_REASON_LABELS = {
    ReissueReason.LOST: "手机丢失",
    ReissueReason.FORGOT_PASSWORD: "忘记签名密码",
    ReissueReason.NEW_DEVICE: "更换手机",
}


A = ApplicationStatus


K = ApplicationKind


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


SH = ShippingStatus


SHIPPING_TRANSITIONS: Table[ShippingStatus] = {
    SH.PENDING: frozenset({SH.SHIPPED}),
    SH.SHIPPED: frozenset({SH.DELIVERED}),
    SH.DELIVERED: frozenset(),
}
