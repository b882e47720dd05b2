"""Seal kinds and seal types with their labels."""

from __future__ import annotations

import enum


class SealKind(enum.StrEnum):
    COMPANY = "company"  # 企业公章
    LEGAL_REP = "legal_rep"  # 法定代表人签(名)章
    HANDWRITTEN = "handwritten"  # 手写签名


SEAL_KIND_LABELS = {
    SealKind.COMPANY: "企业公章",
    SealKind.LEGAL_REP: "法定代表人章",
    SealKind.HANDWRITTEN: "手写签名",
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
