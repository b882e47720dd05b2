"""Issue 11 item 6: one verdict that follows from the rows (pdfsign.verify.assess), worded for a person."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from api.schemas.verification import VerificationSchema
from pdfsign.verify import Case, SignatureVerdict, TimestampVerdict, Verification, assess

SIGNED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GOOD = SignatureVerdict(
    field_name="Seal1_company", signer="CN=张三,O=示例科技有限公司", serial="1a", reason=None,
    signing_time=SIGNED, timestamp_time=SIGNED, intact=True, valid=True, trusted=True, revocation="good",
    revoked_at=None, pades_level="B-T", modification_level="NONE", changes_allowed=True, valid_at_signing_time=True,
    signer_organization="示例科技有限公司", signer_name="张三", not_after=SIGNED + timedelta(days=365),
)
REVOKED_LATER = replace(GOOD, trusted=False, revocation="revoked", revoked_at=SIGNED + timedelta(days=3))


def judged(*signatures: SignatureVerdict, timestamps: tuple[TimestampVerdict, ...] = ()) -> dict:
    sigs = list(signatures)
    verdict, case = assess(sigs, list(timestamps))
    return VerificationSchema().dump(Verification(verdict, sigs, list(timestamps), case).to_dict())


def test_valid():
    out = judged(replace(GOOD))
    assert (out["verdict"], out["case"], out["verdict_label"]) == ("valid", Case.VALID, "签名有效")
    assert out["signatures"][0]["signer_organization"] == "示例科技有限公司"
    assert out["signatures"][0]["signer_name"] == "张三"


def test_revoked_after_signing_with_long_term_data_is_still_valid():
    out = judged(replace(REVOKED_LATER, pades_level="B-LTA"))
    assert (out["verdict"], out["case"]) == ("valid", Case.REVOKED_AFTER_SIGNING_LTV)
    assert out["verdict_label"] == "签名有效"
    assert out["verdict_detail"] == "签署时证书有效，之后已吊销；有长期验证数据，签名仍然有效。"


def test_revoked_after_signing_without_long_term_data_cannot_be_confirmed():
    out = judged(replace(REVOKED_LATER, pades_level="B-T"))
    assert (out["verdict"], out["case"], out["verdict_label"]) == (
        "indeterminate", Case.REVOKED_AFTER_SIGNING, "无法确认")
    assert "之后已吊销" in out["verdict_detail"] and "没有长期验证数据" in out["verdict_detail"]


def test_revoked_with_nothing_proving_it_signed_before_is_invalid():
    out = judged(replace(REVOKED_LATER, timestamp_time=None, valid_at_signing_time=False, pades_level="B-B"))
    assert (out["verdict"], out["case"], out["verdict_label"]) == ("invalid", Case.REVOKED, "签名无效")


def test_tampered_headline_says_the_file_changed_even_if_the_signature_value_verifies():
    tampered = replace(GOOD, intact=False, valid=True, valid_at_signing_time=False, pades_level=None)
    out = judged(replace(GOOD, field_name="Seal2_legal_rep"), tampered)
    assert (out["verdict"], out["case"], out["verdict_label"]) == ("invalid", Case.TAMPERED, "文件在签署后被修改")
    assert out["signatures"][1]["case"] == Case.TAMPERED and out["signatures"][0]["case"] == Case.VALID


def test_changes_after_signing_that_are_not_allowed_count_as_tampering():
    out = judged(replace(GOOD, changes_allowed=False, modification_level="OTHER", valid_at_signing_time=False))
    assert (out["verdict"], out["case"]) == ("invalid", Case.TAMPERED)


def test_untrusted_root():
    out = judged(replace(GOOD, trusted=False, revocation="unknown", valid_at_signing_time=False))
    assert (out["verdict"], out["case"], out["verdict_label"]) == ("indeterminate", Case.UNTRUSTED, "签名不可信")
    assert "根证书" in out["verdict_detail"]


def test_expired_with_a_timestamp_inside_the_validity_is_valid():
    expired = replace(GOOD, trusted=False, revocation="unknown", expired=True, not_after=SIGNED + timedelta(days=1))
    out = judged(expired)
    assert (out["verdict"], out["case"]) == ("valid", Case.EXPIRED_AFTER_SIGNING)
    assert "现已过期" in out["verdict_detail"]


def test_expired_without_proof_of_the_signing_time_cannot_be_confirmed():
    expired = replace(GOOD, trusted=False, revocation="unknown", expired=True, timestamp_time=None,
                      valid_at_signing_time=False, pades_level="B-B")
    out = judged(expired)
    assert (out["verdict"], out["case"]) == ("indeterminate", Case.EXPIRED)


def test_a_broken_document_timestamp_outweighs_good_signatures():
    broken = TimestampVerdict("DocTs", SIGNED, intact=False, valid=False, trusted=True)
    out = judged(replace(GOOD), timestamps=(broken,))
    assert (out["verdict"], out["case"]) == ("invalid", Case.TAMPERED)


def test_unsigned():
    out = judged()
    assert (out["verdict"], out["case"], out["verdict_label"]) == ("unsigned", Case.UNSIGNED, "未签名")
