"""What each kind of application needs and may touch, in one place (A3, B–D, G, J).

The certificate's *state* here is its own lifecycle status with 即将失效/已失效 derived from its expiry
(the stored status stays 已生效 until something replaces it), so eligibility and the list agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from signer.applications.enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    OPEN_APPLICATION_STATUSES,
    ApplicationKind,
    AttachmentKind,
)
from signer.certificates.enums import (
    CERTIFICATE_KIND_LABELS,
    CertificateKind,
)
from signer.certificates.models import Certificate
from signer.certificates.status import CERTIFICATE_STATE_LABELS, EXPIRED, EXPIRING, state_of
from signer.core.errors import Conflict, ErrorCode
from signer.seals.enums import SealType

K = ApplicationKind
C = CertificateKind
AK = AttachmentKind
# The status a list row shows (A5), one per row: an open application's status (待生成订单 … 已驳回), else the
# certificate's own with 即将失效 / 已失效 derived from its expiry. Only CertificateStatus is ever stored.
DISPLAY_STATE_LABELS: dict[str, str] = {
    **{status.value: APPLICATION_STATUS_LABELS[status] for status in sorted(OPEN_APPLICATION_STATUSES)},
    **CERTIFICATE_STATE_LABELS,
}

# The certificate states each kind may start from (新签 starts from no certificate).
ELIGIBLE_STATES: dict[ApplicationKind, frozenset[str]] = {
    K.RENEW: frozenset({EXPIRING, EXPIRED}),
    K.CHANGE: frozenset({"effective", EXPIRING}),
    K.EXTEND: frozenset({"effective", EXPIRING}),
    K.REISSUE: frozenset({"effective", EXPIRING, "frozen"}),
    K.REVOKE: frozenset({"pending_download", "in_production", "in_transit", "effective", EXPIRING, "frozen"}),
    K.UNFREEZE: frozenset({"frozen"}),
    K.PHONE_CHANGE: frozenset({"pending_download", "in_production", "in_transit", "effective", EXPIRING,
                               "frozen"}),
}
ELIGIBLE_KINDS: dict[ApplicationKind, frozenset[CertificateKind]] = {
    K.NEW: frozenset({C.MOBILE, C.KEY}),
    K.RENEW: frozenset({C.MOBILE, C.KEY}),
    K.CHANGE: frozenset({C.MOBILE, C.KEY, C.ANXINQIAN}),
    K.EXTEND: frozenset({C.MOBILE, C.KEY}),
    K.REISSUE: frozenset({C.MOBILE, C.KEY}),
    K.REVOKE: frozenset({C.MOBILE, C.KEY}),
    K.UNFREEZE: frozenset({C.MOBILE, C.KEY}),
    K.PHONE_CHANGE: frozenset({C.MOBILE, C.KEY, C.ANXINQIAN}),
}
# The manual's notice (4. 安心签证书流程), shown where 安心签 certificates are listed or changed.
ANXINQIAN_NOTICE = ("尊敬的平台用户，您好，为提升平台统一性与服务水平，平台对安心签数字证书已完成升级，"
                    "推荐办理使用移动端类型证书。现阶段安心签证书仍可正常使用，目前已暂停安心签新签、续签流程，后续将全面停止服务。")
ANXINQIAN_SUSPENDED = ("安心签证书已暂停新签、续签业务，后续将全面停止服务；请办理移动端证书。"
                       "安心签证书仍支持变更和变更手机号。")

# Agreements of B1: CFCA's four and the platform's service agreement.
AGREEMENTS = ("cfca_service_agreement", "cfca_cps", "cfca_security_notice", "cfca_core_terms",
              "platform_service_agreement")
# Kinds whose new certificate re-certifies the old key (the APP installs it after unlocking its keystore);
# a reissue always gets a new key, so does a certificate bound to another operator.
REUSES_KEY = frozenset({K.RENEW, K.CHANGE, K.EXTEND})
# 吊销 reasons a user may give (RFC 5280; never unspecified nor certificateHold: 冻结 is a keystore lock).
REVOCATION_REASONS = {
    "key_compromise": "密钥泄露或手机丢失",
    "affiliation_changed": "证书信息变更",
    "cessation_of_operation": "不再使用",
    "privilege_withdrawn": "撤销授权",
}
# Why the replaced certificate goes on the CRL once its successor is in use.
SUPERSEDE_REASON = {K.RENEW: "superseded", K.EXTEND: "superseded", K.CHANGE: "affiliation_changed"}


def state_label(state: str) -> str:
    """The Chinese label of a list state (A5, :data:`DISPLAY_STATE_LABELS`)."""
    return DISPLAY_STATE_LABELS[state]


def why_not(kind: ApplicationKind, cert: Certificate | CertificateKind, state: str) -> Conflict | None:
    """Why ``kind`` cannot start from a certificate of this kind in this list state, or None when it can.

    One rule for the services (:func:`check_eligible` raises it) and the list, whose disabled toolbar
    buttons show its message.
    """
    cert_kind = cert.kind if isinstance(cert, Certificate) else cert
    label = APPLICATION_KIND_LABELS[kind]
    if cert_kind == C.ANXINQIAN and kind in (K.NEW, K.RENEW):
        return Conflict(ANXINQIAN_SUSPENDED, code=ErrorCode.ANXINQIAN_SUSPENDED)
    if cert_kind not in ELIGIBLE_KINDS[kind]:
        return Conflict(f"{CERTIFICATE_KIND_LABELS[cert_kind]}不支持{label}", code=ErrorCode.NOT_SUPPORTED)
    if state not in ELIGIBLE_STATES[kind]:
        return Conflict(f"证书状态为{state_label(state)}，不能办理{label}", code=ErrorCode.ILLEGAL_TRANSITION,
                        details={"state": state})
    return None


def check_eligible(kind: ApplicationKind, cert: Certificate, now: datetime, window: timedelta) -> None:
    """Conflict (nothing changes) when ``kind`` cannot start from this certificate."""
    refused = why_not(kind, cert, state_of(cert, now, window))
    if refused is not None:
        raise refused


def required_attachments(kind: ApplicationKind, cert_kind: CertificateKind,
                         seal_type: SealType | None = None) -> frozenset[AttachmentKind]:
    """The attachments a submission must carry (B3, C, D, G, J)."""
    if kind == K.NEW:
        seals = {SealType.COMPANY_AND_LEGAL_REP: {AK.COMPANY_SEAL}, SealType.COMPANY: {AK.COMPANY_SEAL},
                 SealType.NONE: set()}[seal_type or SealType.NONE]
        forms = {AK.APPLICATION_FORM, AK.BUSINESS_LICENSE, AK.OPERATOR_ID}
        if seal_type != SealType.NONE:
            forms.add(AK.SEAL_FORM)
        return frozenset(seals | forms)
    if kind == K.CHANGE:
        if cert_kind == C.ANXINQIAN:
            return frozenset({AK.ANXINQIAN_RENAME_FORM, AK.RENAMED_BUSINESS_LICENSE, AK.OPERATOR_ID})
        return frozenset({AK.APPLICATION_FORM, AK.BUSINESS_LICENSE, AK.OPERATOR_ID})
    if kind == K.REISSUE:
        return frozenset({AK.APPLICATION_FORM, AK.OPERATOR_ID})
    if kind in (K.RENEW, K.EXTEND, K.UNFREEZE):
        return frozenset({AK.OPERATOR_ID})
    return frozenset()


def needs_legal_rep_image(seal_type: SealType | None) -> bool:
    """企业公章和法定代表人签(名)章 needs the legal representative's signature or seal image as well."""
    return seal_type == SealType.COMPANY_AND_LEGAL_REP
