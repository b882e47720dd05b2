"""K7: what a person checking a signed PDF wants to know, per signature and overall.

Three pyHanko validations per signature, none of which touches the network:

1. now: intact, valid, trusted, revoked? With ``current`` revocation data from the caller (the platform
   passes its current CRLs, so a revocation after signing is seen) that data decides; without it, the
   document's DSS does (soft-fail);
2. from the DSS alone, in hard-fail mode at the time of the signature timestamp: is the validation
   data embedded (B-LT)?;
3. the ETSI EN 319 102-1 long-term validation (PAdES B-LTA) over the document timestamp chain, with
   local knowledge only.

A signature whose certificate was revoked *after* a trusted timestamp proved it existed is still
valid at its signing time; that is the point of B-T and later levels, and the verdict says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from . import aio
from .errors import PdfRejected
from .inspect import DEFAULT_MAX_BYTES, inspect_pdf
from .ltv import RevocationMaterial

__all__ = ["DEFAULT_MAX_BYTES", "Case", "SignatureVerdict", "TimestampVerdict", "Verification", "assess", "verify_pdf"]

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
# FORM_FILLING is acceptable only when every filled field is a signature field (the next seal of the same
# document); pyHanko also counts changed values of ordinary form fields as form filling, and a contract
# whose 金额 changed after signing is not what was signed.
_ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


@dataclass
class SignatureVerdict:
    """One signature. ``revocation``: good / revoked / unknown (as of now); ``valid_at_signing_time``:
    intact, valid and trusted, or revoked only after a trusted timestamp proved the signature."""

    field_name: str
    signer: str | None
    serial: str | None
    reason: str | None
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    revocation: str
    revoked_at: datetime | None
    pades_level: str | None
    modification_level: str | None
    changes_allowed: bool
    valid_at_signing_time: bool
    error: str | None = None
    changed_fields: list[str] = field(default_factory=list)  # non-signature form fields changed after it
    signer_organization: str | None = None  # the certificate subject's O
    signer_name: str | None = None  # the certificate subject's CN
    not_after: datetime | None = None  # the certificate's end of validity
    expired: bool = False  # the certificate's validity had ended at verification time
    case: str = ""  # what :func:`assess` concluded for this signature (a ``Case`` value)


@dataclass
class TimestampVerdict:
    field_name: str
    time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    error: str | None = None


@dataclass
class Verification:
    """``verdict``: ``valid`` (every signature valid at its signing time, every timestamp good),
    ``invalid`` (something was changed or does not verify), ``indeterminate`` (e.g. not trusted),
    ``unsigned``."""

    verdict: str
    signatures: list[SignatureVerdict] = field(default_factory=list)
    document_timestamps: list[TimestampVerdict] = field(default_factory=list)
    case: str = ""  # the overall ``Case``: the worst of the signatures' and timestamps'

    def to_dict(self) -> dict[str, Any]:
        def conv(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, list):
                return [conv(v) for v in value]
            return value

        converted: dict[str, Any] = conv(asdict(self))
        return converted


@dataclass(frozen=True)
class _Signer:
    subject: str | None = None
    serial: str | None = None
    organization: str | None = None
    name: str | None = None
    not_after: datetime | None = None


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _signer(cert: asn1_x509.Certificate | None) -> _Signer:
    if cert is None:
        return _Signer()
    parsed = x509.load_der_x509_certificate(cert.dump())
    return _Signer(parsed.subject.rfc4514_string(), format(parsed.serial_number, "x"),
                   _attribute(parsed.subject, x509.NameOID.ORGANIZATION_NAME),
                   _attribute(parsed.subject, x509.NameOID.COMMON_NAME), parsed.not_valid_after_utc)


def _dss_context_kwargs(reader: PdfFileReader) -> tuple[DocumentSecurityStore | None, dict[str, Any]]:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None, {}
    return dss, {}


def _lta_spec(roots: list[asn1_x509.Certificate]) -> PdfSignatureValidationSpec:
    required = RevocationCheckingPolicy(ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                                        intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(required),
    )
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
    ))


async def _verify_signature(emb: EmbeddedPdfSignature, reader: PdfFileReader, roots: list[asn1_x509.Certificate],
                            current: RevocationMaterial, has_doc_ts_after: bool,
                            signature_fields: frozenset[str]) -> SignatureVerdict:
    field_name = str(emb.field_name)
    dss, _ = _dss_context_kwargs(reader)
    base_kwargs: dict[str, Any] = {"trust_roots": roots, "allow_fetching": False,
                                   "crls": list(current.crls), "ocsps": list(current.ocsps),
                                   "other_certs": [asn1_x509.Certificate.load(c) for c in current.certs]}
    try:
        if current.crls or current.ocsps:
            # today's revocation data decides "revoked now"; the DSS's older answers must not mask it
            base_kwargs["other_certs"] += list(dss.load_certs()) if dss else []
            context = ValidationContext(**base_kwargs, revocation_mode="soft-fail")
        elif dss is not None:
            context = dss.as_validation_context(dict(base_kwargs, revocation_mode="soft-fail"))
        else:
            context = ValidationContext(**base_kwargs, revocation_mode="soft-fail")
        status = await async_validate_pdf_signature(emb, context)
    except Exception as exc:
        who = _signer(_safe_signer_cert(emb))
        return SignatureVerdict(field_name, who.subject, who.serial, _reason(emb), None, None, False, False, False,
                                "unknown", None, None, None, False, False, f"{type(exc).__name__}: {exc}",
                                signer_organization=who.organization, signer_name=who.name,
                                not_after=who.not_after)
    who = _signer(status.signing_cert)
    ts = status.timestamp_validity
    ts_ok = bool(ts and ts.intact and ts.valid and ts.trusted)
    ts_time = ts.timestamp if ts_ok and ts is not None else None
    details = status.revocation_details
    revocation = "revoked" if details is not None else ("good" if status.trusted else "unknown")
    revoked_at = details.revocation_date if details is not None else None
    level_mod = status.modification_level
    changed_fields = _changed_other_fields(status.diff_result, signature_fields)
    changes_allowed = bool(status.docmdp_ok) and level_mod in _ALLOWED_LATER_CHANGES and not changed_fields
    basic = bool(status.intact and status.valid)
    proven_before_revocation = (details is not None and ts_time is not None and revoked_at is not None
                                and ts_time < revoked_at)
    expired = who.not_after is not None and who.not_after <= datetime.now(tz=who.not_after.tzinfo)
    proven_before_expiry = (expired and details is None and ts_time is not None and who.not_after is not None
                            and ts_time < who.not_after and not status.trusted
                            and await _trusted_at(emb, roots, ts_time))
    valid_then = basic and changes_allowed and (bool(status.trusted) or proven_before_revocation
                                                or proven_before_expiry)

    level: str | None = None
    if basic and _is_pades(emb):
        level = "B-B"
        if ts_ok:
            level = "B-T"
            if dss is not None and await _chain_from_dss(emb, dss, roots, ts_time):
                level = "B-LT"
                if has_doc_ts_after and await _lta_passes(emb, roots):
                    level = "B-LTA"
    return SignatureVerdict(
        field_name=field_name, signer=who.subject, serial=who.serial, reason=_reason(emb),
        signing_time=status.signer_reported_dt, timestamp_time=ts_time, intact=bool(status.intact),
        valid=bool(status.valid), trusted=bool(status.trusted), revocation=revocation, revoked_at=revoked_at,
        pades_level=level, modification_level=None if level_mod is None else level_mod.name,
        changes_allowed=changes_allowed, valid_at_signing_time=valid_then, changed_fields=changed_fields,
        signer_organization=who.organization, signer_name=who.name, not_after=who.not_after, expired=expired,
    )


async def _trusted_at(emb: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate], when: datetime) -> bool:
    """Did the signer's chain lead to a root at ``when`` (a trusted timestamp's time)? For certificates that
    have expired since: an expired certificate is not trusted *now*, yet may have been when it signed."""
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=when)
    try:
        status = await async_validate_pdf_signature(emb, context, skip_diff=True)
    except Exception:
        return False
    return bool(status.trusted)


def _changed_other_fields(diff: object, signature_fields: frozenset[str]) -> list[str]:
    """Form fields other than signature fields whose value changed after the signature."""
    if not isinstance(diff, DiffResult):
        return []
    return sorted(name for name in diff.changed_form_fields if name not in signature_fields)


def _signature_field_names(reader: PdfFileReader) -> frozenset[str]:
    return frozenset(name for name, _value, _ref in enumerate_sig_fields(reader, filled_status=None))


def _safe_signer_cert(emb: EmbeddedPdfSignature) -> asn1_x509.Certificate | None:
    try:
        return emb.signer_cert
    except Exception:
        return None


def _reason(emb: EmbeddedPdfSignature) -> str | None:
    value = emb.sig_object.get("/Reason")
    return None if value is None else str(value)


def _is_pades(emb: EmbeddedPdfSignature) -> bool:
    return str(emb.sig_object.get("/SubFilter")) == "/ETSI.CAdES.detached"


async def _chain_from_dss(emb: EmbeddedPdfSignature, dss: DocumentSecurityStore,
                          roots: list[asn1_x509.Certificate], when: datetime | None) -> bool:
    """B-LT: the DSS alone proves the signer's chain unrevoked at the timestamp time (hard-fail)."""
    context = dss.as_validation_context({
        "trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail",
        "moment": when, "retroactive_revinfo": True, "time_tolerance": timedelta(minutes=10),
    })
    try:
        status = await async_validate_pdf_signature(emb, context, skip_diff=True)
    except Exception:
        return False
    return bool(status.trusted)


async def _lta_passes(emb: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> bool:
    from pyhanko.sign.ades.report import AdESPassed

    try:
        result = await ades_lta_validation(emb, _lta_spec(roots))
    except Exception:
        return False
    return result.ades_subindic == AdESPassed.OK


async def _verify_timestamp(emb: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> TimestampVerdict:
    field_name = str(emb.field_name)
    try:
        status = await async_validate_pdf_timestamp(
            emb, ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"))
    except Exception as exc:
        return TimestampVerdict(field_name, None, False, False, False, f"{type(exc).__name__}: {exc}")
    return TimestampVerdict(field_name, status.timestamp, bool(status.intact), bool(status.valid),
                            bool(status.trusted))


def verify_pdf(pdf: bytes, trust_roots_der: Sequence[bytes], current: RevocationMaterial | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> Verification:
    """Judge every signature and document timestamp of ``pdf`` against ``trust_roots_der``.

    ``current`` is revocation data as of now (e.g. the CA's latest CRLs). Raises ``PdfRejected`` for
    anything that is not a readable, unencrypted PDF.
    """
    inspect_pdf(pdf, max_bytes=max_bytes)
    roots = [asn1_x509.Certificate.load(d) for d in trust_roots_der]
    current = current or RevocationMaterial()

    async def run() -> Verification:
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            embedded = list(reader.embedded_signatures)
            signature_fields = _signature_field_names(reader)
        except Exception as exc:
            raise PdfRejected("unreadable", "无法解析该 PDF 文件") from exc
        signatures: list[SignatureVerdict] = []
        timestamps: list[TimestampVerdict] = []
        for i, emb in enumerate(embedded):
            if emb.sig_object_type == "/DocTimeStamp":
                timestamps.append(await _verify_timestamp(emb, roots))
            else:
                later_ts = any(e.sig_object_type == "/DocTimeStamp" for e in embedded[i + 1:])
                signatures.append(await _verify_signature(emb, reader, roots, current, later_ts,
                                                          signature_fields))
        verdict, case = assess(signatures, timestamps)
        return Verification(verdict, signatures, timestamps, case)

    return aio.run(run())


class Case:
    """What a signature (or the whole file) amounts to, worst first in ``SEVERITY``."""

    TAMPERED = "tampered"  # the signed bytes changed, or later revisions changed what they may not
    BAD_SIGNATURE = "bad_signature"  # the signature value does not verify, or the signature cannot be read
    REVOKED = "revoked"  # revoked, and nothing proves it signed before the revocation
    UNTRUSTED = "untrusted"  # does not chain to a trusted root
    EXPIRED = "expired"  # expired, and no trusted timestamp proves it signed while valid
    REVOKED_AFTER_SIGNING = "revoked_after_signing"  # timestamp before the revocation, no long-term data
    TIMESTAMP_UNTRUSTED = "timestamp_untrusted"  # a document timestamp from an unknown authority
    EXPIRED_AFTER_SIGNING = "expired_after_signing"  # trusted timestamp within the validity
    REVOKED_AFTER_SIGNING_LTV = "revoked_after_signing_ltv"  # timestamp before revocation, long-term data
    VALID = "valid"
    UNSIGNED = "unsigned"


SEVERITY = (Case.TAMPERED, Case.BAD_SIGNATURE, Case.REVOKED, Case.UNTRUSTED, Case.EXPIRED,
            Case.REVOKED_AFTER_SIGNING, Case.TIMESTAMP_UNTRUSTED, Case.EXPIRED_AFTER_SIGNING,
            Case.REVOKED_AFTER_SIGNING_LTV, Case.VALID)
VERDICT_OF_CASE = {
    Case.TAMPERED: "invalid", Case.BAD_SIGNATURE: "invalid", Case.REVOKED: "invalid",
    Case.UNTRUSTED: "indeterminate", Case.EXPIRED: "indeterminate", Case.REVOKED_AFTER_SIGNING: "indeterminate",
    Case.TIMESTAMP_UNTRUSTED: "indeterminate", Case.EXPIRED_AFTER_SIGNING: "valid",
    Case.REVOKED_AFTER_SIGNING_LTV: "valid", Case.VALID: "valid", Case.UNSIGNED: "unsigned",
}
_LONG_TERM_LEVELS = ("B-LT", "B-LTA")


def _signature_case(s: SignatureVerdict) -> str:
    if not s.intact or not s.changes_allowed:
        return Case.TAMPERED
    if not s.valid or s.error:
        return Case.BAD_SIGNATURE
    if s.revocation == "revoked":
        if not s.valid_at_signing_time:
            return Case.REVOKED
        return Case.REVOKED_AFTER_SIGNING_LTV if s.pades_level in _LONG_TERM_LEVELS else Case.REVOKED_AFTER_SIGNING
    if s.trusted:
        return Case.VALID
    if s.expired:
        return Case.EXPIRED_AFTER_SIGNING if s.valid_at_signing_time else Case.EXPIRED
    return Case.UNTRUSTED


def _timestamp_case(t: TimestampVerdict) -> str:
    if not t.intact:
        return Case.TAMPERED
    if not t.valid or t.error:
        return Case.BAD_SIGNATURE
    return Case.VALID if t.trusted else Case.TIMESTAMP_UNTRUSTED


def assess(signatures: list[SignatureVerdict], timestamps: list[TimestampVerdict]) -> tuple[str, str]:
    """The one verdict rule: each signature's ``case`` is set from its rows, and the file's verdict
    (valid / invalid / indeterminate / unsigned) and case are those of the worst signature or timestamp."""
    if not signatures and not timestamps:
        return "unsigned", Case.UNSIGNED
    cases = []
    for s in signatures:
        s.case = _signature_case(s)
        cases.append(s.case)
    cases += [_timestamp_case(t) for t in timestamps]
    worst = min(cases, key=SEVERITY.index)
    return VERDICT_OF_CASE[worst], worst
