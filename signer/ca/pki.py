"""The service's own CA: pure functions over ``cryptography`` objects.

Nothing here touches the database or the web framework; callers persist certificates, keys (sealed by
signer/core/secretbox.py), serials and revocations, and serve the CRL/OCSP bytes produced here.

Hierarchy (see DESIGN.md section 4)::

    Root CA (self-signed, 20 y)
    └── Issuing CA (10 y, pathlen 0, CRL DP {base_url}/pki/root.crl)
        ├── OCSP responder (2 y, EKU OCSPSigning, id-pkix-ocsp-nocheck)
        ├── TSA (5 y, EKU timeStamping critical)
        └── leaf certificates (issue_leaf)

Revocation of the issuing CA itself is published by the root on ``{base_url}/pki/root.crl``, produced with
``build_crl(hierarchy.root, ...)`` (usually with an empty list); the root key therefore has to be used at
least once per CRL lifetime (≤ 7 days). Leaves, the TSA and the OCSP responder are revoked on
``{base_url}/pki/issuing.crl``; leaves are also served by OCSP. The OCSP responder certificate carries
ocsp-nocheck and is short-lived instead of being checked itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DOCUMENT_SIGNING_OID",
    "CertificateStatusLookup",
    "CsrRejected",
    "Hierarchy",
    "KeyPair",
    "build_crl",
    "certify_key",
    "create_hierarchy",
    "fingerprint",
    "issue_leaf",
    "leaf_subject",
    "new_serial",
    "ocsp_respond",
    "parse_reason",
    "to_pem",
]

DOCUMENT_SIGNING_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

ROOT_VALIDITY = dt.timedelta(days=20 * 365 + 5)
ISSUING_VALIDITY = dt.timedelta(days=10 * 365 + 2)
OCSP_VALIDITY = dt.timedelta(days=2 * 365)
TSA_VALIDITY = dt.timedelta(days=5 * 365 + 1)
BACKDATE = dt.timedelta(minutes=5)  # tolerate clients whose clocks run slightly behind
MAX_CRL_LIFETIME = dt.timedelta(days=7)
OCSP_RESPONSE_LIFETIME = dt.timedelta(days=1)

_SIG_HASH = hashes.SHA256()

# Reasons we publish. 冻结 (freeze) is a keystore lock, so certificateHold is never used, and every
# revocation must say why, so unspecified is refused too.
_ALLOWED_REASONS = frozenset(
    {
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.affiliation_changed,
        x509.ReasonFlags.superseded,
        x509.ReasonFlags.cessation_of_operation,
        x509.ReasonFlags.privilege_withdrawn,
    }
)


class CsrRejected(ValueError):
    """The certificate signing request is unusable (unparsable, bad self-signature, weak or odd key)."""


@dataclass
class KeyPair:
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


@dataclass
class Hierarchy:
    root: KeyPair
    issuing: KeyPair
    ocsp: KeyPair
    tsa: KeyPair


# ("good" | "revoked" | "unknown", revocation time, reason) for a serial of the issuing CA.
CertificateStatusLookup = Callable[[int], tuple[str, dt.datetime | None, str | None]]


# --------------------------------------------------------------------------- helpers


def new_serial() -> int:
    """127 random bits, top bit clear: positive and at most 16 content octets in DER (limit is 20)."""
    while True:
        serial = secrets.randbits(127)
        if serial > 0:
            return serial


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _utc(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _urls(base_url: str) -> tuple[str, str, str, str]:
    base = base_url.rstrip("/")
    return (
        f"{base}/pki/ocsp",
        f"{base}/pki/issuing-ca.crt",
        f"{base}/pki/issuing.crl",
        f"{base}/pki/root.crl",
    )


def _ca_name(organization: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def leaf_subject(
    enterprise: str, sequence: int, now_ms: int, organization_unit: str = "INDIVIDUAL"
) -> x509.Name:
    """``CN=1@<enterprise>@<ms timestamp>@<n>,OU=INDIVIDUAL,O=<enterprise>,C=CN`` as in the manual."""
    if not enterprise or "@" in enterprise:
        raise ValueError("enterprise name must be non-empty and must not contain '@'")
    if sequence < 0 or now_ms < 0:
        raise ValueError("sequence and timestamp must be non-negative")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, enterprise),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organization_unit),
            x509.NameAttribute(NameOID.COMMON_NAME, f"1@{enterprise}@{now_ms}@{sequence}"),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _aki(issuer: KeyPair) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.private_key.public_key())


def _end_entity_builder(
    issuer: KeyPair,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    serial: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_aki(issuer), critical=False)
    )


def _aia(base_url: str, *, with_ocsp: bool) -> x509.AuthorityInformationAccess:
    ocsp_url, ca_issuers_url, _, _ = _urls(base_url)
    access = []
    if with_ocsp:
        access.append(
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
        )
    access.append(
        x509.AccessDescription(
            x509.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(ca_issuers_url)
        )
    )
    return x509.AuthorityInformationAccess(access)


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


# --------------------------------------------------------------------------- hierarchy


def create_hierarchy(organization: str, base_url: str, now: dt.datetime | None = None) -> Hierarchy:
    now = _utc(now or dt.datetime.now(dt.UTC))
    start = now - BACKDATE
    _, _, issuing_crl_url, root_crl_url = _urls(base_url)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _ca_name(organization, f"{organization} Root CA")
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root_cert = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(new_serial())
        .not_valid_before(start)
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(root_ski, critical=False)
        .sign(root_key, _SIG_HASH)
    )
    root = KeyPair(root_cert, root_key)

    issuing_key = ec.generate_private_key(ec.SECP256R1())
    issuing_cert = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(organization, f"{organization} Issuing CA"))
        .issuer_name(root_name)
        .public_key(issuing_key.public_key())
        .serial_number(new_serial())
        .not_valid_before(start)
        .not_valid_after(now + ISSUING_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), critical=False)
        .add_extension(_aki(root), critical=False)
        .add_extension(_crl_dp(root_crl_url), critical=False)
        .sign(root_key, _SIG_HASH)
    )
    issuing = KeyPair(issuing_cert, issuing_key)

    ocsp_key = ec.generate_private_key(ec.SECP256R1())
    ocsp_builder = (
        _end_entity_builder(
            issuing,
            _ca_name(organization, f"{organization} OCSP Responder"),
            ocsp_key.public_key(),
            start,
            now + OCSP_VALIDITY,
            new_serial(),
        )
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(_aia(base_url, with_ocsp=False), critical=False)
    )
    ocsp_cert = ocsp_builder.sign(issuing_key, _SIG_HASH)

    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa_builder = (
        _end_entity_builder(
            issuing,
            _ca_name(organization, f"{organization} Time Stamping Authority"),
            tsa_key.public_key(),
            start,
            now + TSA_VALIDITY,
            new_serial(),
        )
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        # RFC 3161 section 2.3: the TSA certificate's EKU must be timeStamping only, and critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(_aia(base_url, with_ocsp=True), critical=False)
        .add_extension(_crl_dp(issuing_crl_url), critical=False)
    )
    tsa_cert = tsa_builder.sign(issuing_key, _SIG_HASH)

    return Hierarchy(
        root=root, issuing=issuing, ocsp=KeyPair(ocsp_cert, ocsp_key), tsa=KeyPair(tsa_cert, tsa_key)
    )


# --------------------------------------------------------------------------- leaves


def _load_csr(csr_der_or_pem: bytes) -> x509.CertificateSigningRequest:
    try:
        if csr_der_or_pem.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_csr(csr_der_or_pem)
        return x509.load_der_x509_csr(csr_der_or_pem)
    except ValueError as exc:
        raise CsrRejected(f"cannot parse certificate signing request: {exc}") from None


def _check_csr_key(csr: x509.CertificateSigningRequest) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    try:
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise CsrRejected("unsupported public key in certificate signing request") from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise CsrRejected(f"EC key on curve {key.curve.name} refused: only P-256 is accepted")
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise CsrRejected(f"RSA key of {key.key_size} bits refused: at least 2048 bits are required")
        return key
    raise CsrRejected(f"{type(key).__name__} refused: only EC P-256 or RSA ≥ 2048 keys are accepted")


def issue_leaf(
    issuing: KeyPair,
    csr_der_or_pem: bytes,
    subject: x509.Name,
    not_before: dt.datetime,
    not_after: dt.datetime,
    base_url: str,
    serial: int | None = None,
) -> x509.Certificate:
    """Sign a document-signing certificate for the CSR's key.

    Only the CSR's public key (after proof of possession) is used: subject and extensions come from us.
    """
    csr = _load_csr(csr_der_or_pem)
    try:
        signature_ok = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm):
        signature_ok = False
    if not signature_ok:
        raise CsrRejected("certificate signing request signature does not verify")
    return certify_key(issuing, _check_csr_key(csr), subject, not_before, not_after, base_url, serial)


def certify_key(
    issuing: KeyPair,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    subject: x509.Name,
    not_before: dt.datetime,
    not_after: dt.datetime,
    base_url: str,
    serial: int | None = None,
) -> x509.Certificate:
    """Sign a document-signing certificate for a key the CA has certified before (renewal with the same key:
    possession was proven by the original CSR, and the holder unlocks the keystore to install the result)."""
    not_before, not_after = _utc(not_before), _utc(not_after)
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")
    if not_after > issuing.certificate.not_valid_after_utc:
        raise ValueError("leaf would outlive the issuing CA")
    serial = new_serial() if serial is None else serial
    if serial <= 0 or serial.bit_length() > 159:
        raise ValueError("serial must be positive and fit in 20 octets")

    builder = (
        _end_entity_builder(issuing, subject, public_key, not_before, not_after, serial)
        # pyHanko's default signer policy requires nonRepudiation (contentCommitment).
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        # documentSigning states the purpose; emailProtection is what NSS-based validators (poppler's
        # pdfsig, LibreOffice, Firefox) require for a CMS signer, else "type not approved for application".
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_OID, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(_aia(base_url, with_ocsp=True), critical=False)
        .add_extension(_crl_dp(_urls(base_url)[2]), critical=False)
    )
    return builder.sign(issuing.private_key, _SIG_HASH)


# --------------------------------------------------------------------------- revocation


def parse_reason(reason: str | x509.ReasonFlags) -> x509.ReasonFlags:
    """Accept RFC 5280 names (``keyCompromise``) or snake case (``key_compromise``); refuse the rest."""
    if isinstance(reason, x509.ReasonFlags):
        flag = reason
    else:
        try:
            flag = x509.ReasonFlags(reason)
        except ValueError:
            try:
                flag = x509.ReasonFlags[reason]
            except KeyError:
                raise ValueError(f"unknown revocation reason {reason!r}") from None
    if flag not in _ALLOWED_REASONS:
        raise ValueError(f"revocation reason {flag.value} is not allowed")
    return flag


def build_crl(
    issuing: KeyPair,
    revoked: list[tuple[int, dt.datetime, str]],
    this_update: dt.datetime,
    next_update: dt.datetime,
    crl_number: int,
) -> x509.CertificateRevocationList:
    """Sign a CRL for ``issuing``'s certificates (pass the root key pair to publish root.crl)."""
    this_update, next_update = _utc(this_update), _utc(next_update)
    if next_update <= this_update:
        raise ValueError("next_update must be later than this_update")
    if next_update - this_update > MAX_CRL_LIFETIME:
        raise ValueError("next_update must be at most 7 days after this_update")
    if crl_number < 0:
        raise ValueError("crl_number must be non-negative")

    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuing.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_aki(issuing), critical=False)
    )
    for serial, revoked_at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(_utc(revoked_at))
            .add_extension(x509.CRLReason(parse_reason(reason)), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(issuing.private_key, _SIG_HASH)


def _public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING contents, as hashed into an OCSP CertID's issuerKeyHash."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    raise TypeError(f"unsupported issuer key type {type(key).__name__}")


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def ocsp_respond(
    request_der: bytes,
    issuing: KeyPair,
    responder: KeyPair,
    lookup: CertificateStatusLookup,
    now: dt.datetime,
) -> bytes:
    """Answer one OCSP request (DER in, DER out).

    Unparsable requests (and multi-certificate requests, which ``cryptography`` does not parse) get
    malformedRequest; requests about another issuer get unauthorized. A serial the lookup does not
    know is "unknown", never "good".
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        name_hash, key_hash, serial = request.issuer_name_hash, request.issuer_key_hash, request.serial_number
        try:
            nonce: x509.OCSPNonce | None = request.extensions.get_extension_for_class(x509.OCSPNonce).value
        except x509.ExtensionNotFound:
            nonce = None
    except (ValueError, UnsupportedAlgorithm):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)

    ours_name = _digest(algorithm, issuing.certificate.subject.public_bytes())
    ours_key = _digest(algorithm, _public_key_bits(issuing.certificate))
    if not (secrets.compare_digest(name_hash, ours_name) and secrets.compare_digest(key_hash, ours_key)):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)

    state, revoked_at, reason = lookup(serial)
    revocation_time: dt.datetime | None = None
    revocation_reason: x509.ReasonFlags | None = None
    if state == "good":
        cert_status = ocsp.OCSPCertStatus.GOOD
    elif state == "revoked":
        cert_status = ocsp.OCSPCertStatus.REVOKED
        if revoked_at is None:
            raise ValueError(f"revoked serial {serial:x} has no revocation time")
        revocation_time = _utc(revoked_at)
        revocation_reason = parse_reason(reason) if reason else None
    elif state == "unknown":
        cert_status = ocsp.OCSPCertStatus.UNKNOWN
    else:
        raise ValueError(f"lookup returned invalid status {state!r}")

    now = _utc(now)
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=algorithm,
            cert_status=cert_status,
            this_update=now,
            next_update=now + OCSP_RESPONSE_LIFETIME,
            revocation_time=revocation_time,
            revocation_reason=revocation_reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder.certificate)
        .certificates([responder.certificate, issuing.certificate])
    )
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    return builder.sign(responder.private_key, _SIG_HASH).public_bytes(serialization.Encoding.DER)
