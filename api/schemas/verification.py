"""Verification (K7): the signatures and time-stamps found in a PDF, and the verdict in words a person reads.

The verdict itself is decided once, in ``pdfsign.verify.assess`` (``case``); this module only words it."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from signer.signing.verification import VERDICT_OF_CASE, Case

from .common import Schema

# case → (headline, what it means). The headline is the verdict; the sentence says why, from the rows.
CASE_TEXT = {
    Case.VALID: ("签名有效", "所有签名均有效：签署后文件未被修改，签署人证书可信、未吊销。"),
    Case.REVOKED_AFTER_SIGNING_LTV: ("签名有效", "签署时证书有效，之后已吊销；有长期验证数据，签名仍然有效。"),
    Case.EXPIRED_AFTER_SIGNING: ("签名有效",
                                 "签署时证书有效，现已过期；可信时间戳证明签署发生在有效期内，签名仍然有效。"),
    Case.TIMESTAMP_UNTRUSTED: ("无法确认", "签名本身有效，但文档时间戳不是由可信的时间戳服务签发。"),
    Case.REVOKED_AFTER_SIGNING: ("无法确认",
                                 "签署时证书有效，之后已吊销；文件没有长期验证数据，无法单凭文件证明签署时的证书状态。"),
    Case.EXPIRED: ("无法确认", "签署人证书已过期，且没有可信时间戳证明签署发生在有效期内。"),
    Case.UNTRUSTED: ("签名不可信", "签署人证书不是由本平台的根证书签发，无法确认签署人身份。"),
    Case.REVOKED: ("签名无效", "签署人证书已吊销，且无法证明签署发生在吊销之前。"),
    Case.BAD_SIGNATURE: ("签名无效", "签名值校验失败，签名不是由该证书对本文件作出的。"),
    Case.TAMPERED: ("文件在签署后被修改", "签署后文件内容被修改，与签署人签署的内容不一致，签名无效。"),
    Case.UNSIGNED: ("未签名", "该文件没有数字签名。"),
}


def case_headline(case: str) -> str:
    return CASE_TEXT.get(case, ("无法确认", ""))[0]


def case_detail(case: str) -> str:
    return CASE_TEXT.get(case, ("", "签名无法确认。"))[1]


class VerifiedSignatureSchema(Schema):
    field_name = fields.Str()
    seal = fields.Str(allow_none=True, metadata={"description": "company | legal_rep | handwritten"})
    seal_label = fields.Str(allow_none=True)
    signer = fields.Str(allow_none=True, metadata={"description": "subject DN of the signer's certificate"})
    signer_organization = fields.Str(allow_none=True, metadata={"description": "the subject's O (the company)"})
    signer_name = fields.Str(allow_none=True, metadata={"description": "the subject's CN (the person)"})
    serial = fields.Str(allow_none=True, metadata={"description": "certificate serial, lowercase hex"})
    reason = fields.Str(allow_none=True)
    signing_time = fields.Str(allow_none=True, metadata={"description": "claimed by the signer (/M)"})
    timestamp_time = fields.Str(allow_none=True, metadata={"description": "proven by an RFC 3161 token"})
    intact = fields.Bool(metadata={"description": "the signed bytes are unchanged"})
    valid = fields.Bool(metadata={"description": "the signature value verifies"})
    trusted = fields.Bool(metadata={"description": "chains to the platform root and is not revoked now"})
    revocation = fields.Str(metadata={"description": "good | revoked | unknown (as of now)"})
    revoked_at = fields.Str(allow_none=True)
    not_after = fields.Str(allow_none=True, metadata={"description": "the certificate's end of validity"})
    expired = fields.Bool(metadata={"description": "the certificate has expired by now"})
    pades_level = fields.Str(allow_none=True, metadata={"description": "B-B | B-T | B-LT | B-LTA reached"})
    modification_level = fields.Str(allow_none=True,
                                    metadata={"description": "what later revisions did: NONE, LTA_UPDATES, "
                                                             "FORM_FILLING, ANNOTATIONS, OTHER"})
    changes_allowed = fields.Bool(metadata={"description": "later revisions changed nothing they should not"})
    valid_at_signing_time = fields.Bool()
    case = fields.Str(metadata={"description": "valid | revoked_after_signing_ltv | expired_after_signing | "
                                               "revoked_after_signing | expired | untrusted | revoked | "
                                               "bad_signature | tampered"})
    case_verdict = fields.Method("_case_verdict", metadata={"type": "string", "description": "this signature's "
                                                                                            "verdict"})
    case_label = fields.Method("_case_label", metadata={"type": "string"})
    case_detail = fields.Method("_case_detail", metadata={"type": "string"})
    error = fields.Str(allow_none=True)

    def _case_verdict(self, s: dict[str, Any]) -> str:
        return VERDICT_OF_CASE.get(s.get("case", ""), "indeterminate")

    def _case_label(self, s: dict[str, Any]) -> str:
        return case_headline(s.get("case", ""))

    def _case_detail(self, s: dict[str, Any]) -> str:
        return case_detail(s.get("case", ""))


class VerifiedTimestampSchema(Schema):
    field_name = fields.Str()
    time = fields.Str(allow_none=True)
    intact = fields.Bool()
    valid = fields.Bool()
    trusted = fields.Bool()
    error = fields.Str(allow_none=True)


class VerificationSchema(Schema):
    verdict = fields.Str(metadata={"description": "valid | invalid | indeterminate | unsigned"})
    case = fields.Str(metadata={"description": "the worst signature's or timestamp's case (see signatures.case)"})
    verdict_label = fields.Method("_headline", metadata={"type": "string", "description": "the headline"})
    verdict_detail = fields.Method("_detail", metadata={"type": "string", "description": "what it means"})
    signatures = fields.List(fields.Nested(VerifiedSignatureSchema))
    document_timestamps = fields.List(fields.Nested(VerifiedTimestampSchema))

    def _headline(self, result: dict[str, Any]) -> str:
        return case_headline(result.get("case", ""))

    def _detail(self, result: dict[str, Any]) -> str:
        return case_detail(result.get("case", ""))
