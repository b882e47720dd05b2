"""The platform's RFC 3161 time-stamping authority: token issuance as pure functions.

Used twice: by the HTTP endpoint (``application/timestamp-query`` in, ``application/timestamp-reply``
out) and, through :class:`LocalTimeStamper`, by pyHanko inside the worker for PAdES B-T signature
timestamps and B-LTA document timestamps, so signing never depends on the network.

Tokens are CMS SignedData over a TSTInfo, signed by the TSA key (EKU timeStamping, critical) with the
ESS signing-certificate-v2 attribute (RFC 5816), which ``openssl ts -verify`` and pyHanko require.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign.timestamps.api import TimeStamper

__all__ = [
    "TSA_POLICY_OID",
    "LocalTimeStamper",
    "TsaCredentials",
    "issue_token",
    "respond",
]

# A private policy OID under the UUID arc (ITU-T X.667), which needs no registration.
TSA_POLICY_OID = "2.25.117946531869201716424823458120337561631"
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True)
class TsaCredentials:
    """The TSA's certificate, its private key (PKCS#8 DER) and the CA certificates to embed."""

    certificate_der: bytes
    private_key_der: bytes
    chain_ders: tuple[bytes, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "cert": base64.b64encode(self.certificate_der).decode(),
            "key": base64.b64encode(self.private_key_der).decode(),
            "chain": [base64.b64encode(c).decode() for c in self.chain_ders],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TsaCredentials:
        chain = data.get("chain") or []
        assert isinstance(chain, list)
        return cls(base64.b64decode(str(data["cert"])), base64.b64decode(str(data["key"])),
                   tuple(base64.b64decode(c) for c in chain))


class TimestampRefused(ValueError):
    """The request cannot be answered with a token (``failure_info`` names the RFC 3161 reason)."""

    def __init__(self, failure_info: str, message: str) -> None:
        super().__init__(message)
        self.failure_info = failure_info


def _signing_certificate_v2(cert: asn1_x509.Certificate) -> cms.CMSAttribute:
    ess_cert = tsp.ESSCertIDv2({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "cert_hash": hashlib.sha256(cert.dump()).digest(),
        "issuer_serial": tsp.IssuerSerial({
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=cert.issuer)],
            "serial_number": cert.serial_number,
        }),
    })
    return cms.CMSAttribute({"type": "signing_certificate_v2",
                             "values": [tsp.SigningCertificateV2({"certs": [ess_cert]})]})


def issue_token(credentials: TsaCredentials, message_imprint: tsp.MessageImprint, nonce: int | None = None,
                now: datetime | None = None) -> cms.ContentInfo:
    """Sign a TSTInfo for ``message_imprint`` at ``now`` (default: the current time, whole seconds)."""
    algorithm = message_imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in _HASHES:
        raise TimestampRefused("bad_alg", f"unsupported hash algorithm {algorithm}")
    if len(message_imprint["hashed_message"].native) != _DIGEST_SIZES[algorithm]:
        raise TimestampRefused("bad_data_format", "message imprint has the wrong length for its algorithm")
    key = serialization.load_der_private_key(credentials.private_key_der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the TSA key must be an EC key")
    cert = asn1_x509.Certificate.load(credentials.certificate_der)
    gen_time = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    tst_info = {
        "version": "v1",
        "policy": TSA_POLICY_OID,
        "message_imprint": message_imprint,
        "serial_number": secrets.randbits(127) | 1,
        "gen_time": gen_time,
        "accuracy": {"seconds": 1},
        "ordering": False,
        "tsa": asn1_x509.GeneralName(name="directory_name", value=cert.subject),
    }
    if nonce is not None:
        tst_info["nonce"] = nonce
    tst_der = tsp.TSTInfo(tst_info).dump()
    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
        _signing_certificate_v2(cert),
    ])
    signature = key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": digest_algorithm,
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signature": signature,
    })
    certificates = [cert, *(asn1_x509.Certificate.load(d) for d in credentials.chain_ders
                            if not _self_signed(d))]
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [digest_algorithm],
        "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_der)},
        "certificates": certificates,
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _self_signed(der: bytes) -> bool:
    cert = x509.load_der_x509_certificate(der)
    return cert.issuer == cert.subject


def respond(credentials: TsaCredentials, request_der: bytes, now: datetime | None = None) -> bytes:
    """Answer one DER TimeStampReq with a DER TimeStampResp (a rejection carries a failure reason).

    The certificates are always included (as if ``certReq`` were true); a requested policy other than
    ours is refused with ``unaccepted_policy``, extensions with ``unaccepted_extension``.
    """
    try:
        req = tsp.TimeStampReq.load(request_der)
        version = req["version"].native
        imprint = req["message_imprint"]
        imprint["hashed_message"].native  # noqa: B018 - parse eagerly; a bad request must fail here
        policy = req["req_policy"].native
        nonce = req["nonce"].native
        has_extensions = bool(req["extensions"].native)
    except (ValueError, TypeError, KeyError):
        return _rejection("bad_data_format", "malformed TimeStampReq")
    if version != "v1":
        return _rejection("bad_request", "only version 1 requests are supported")
    if policy is not None and policy != TSA_POLICY_OID:
        return _rejection("unaccepted_policy", "unknown TSA policy")
    if has_extensions:
        return _rejection("unaccepted_extension", "extensions are not supported")
    try:
        token = issue_token(credentials, imprint, nonce, now)
    except TimestampRefused as exc:
        return _rejection(exc.failure_info, str(exc))
    granted: bytes = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
    return granted


class _Rejection(core.Sequence):  # type: ignore[misc]  # asn1crypto ships no type information
    """A TimeStampResp without a token (asn1crypto's class cannot express one)."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 - asn1crypto's declaration style


def _rejection(failure_info: str, text: str) -> bytes:
    refused: bytes = _Rejection({"status": {"status": "rejection", "status_string": [text],
                                            "fail_info": tsp.PKIFailureInfo({failure_info})}}).dump()
    return refused


class LocalTimeStamper(TimeStamper):
    """A pyHanko time stamper that issues tokens with the platform's TSA key in this process."""

    def __init__(self, credentials: TsaCredentials, now: datetime | None = None) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]  # pyHanko leaves it unannotated
        self.credentials = credentials
        self.now = now

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        token = issue_token(self.credentials, req["message_imprint"], req["nonce"].native, self.now)
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
