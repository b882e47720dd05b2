from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import cast

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signer.ca import pki
from signer.core.secretbox import SecretBox, UnsealError
from tests.needs import tool

BASE_URL = "https://ca.example.test"
ORG = "测试签章服务有限公司"
ENTERPRISE = "龙口市恒通汽车贸易有限公司"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def hierarchy() -> pki.Hierarchy:
    return pki.create_hierarchy(ORG, BASE_URL + "/", now=NOW)


def make_csr(key, subject: x509.Name | None = None, *, ca_request: bool = False) -> bytes:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "phone")])
    )
    if ca_request:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


def make_leaf(
    h: pki.Hierarchy, *, sequence: int = 510, key=None
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_leaf(
        h.issuing,
        make_csr(key),
        pki.leaf_subject(ENTERPRISE, sequence, 1735534854836),
        NOW - dt.timedelta(minutes=1),
        NOW + dt.timedelta(days=365),
        BASE_URL,
    )
    return cert, key


def ext(cert: x509.Certificate, cls):
    return cert.extensions.get_extension_for_class(cls)


# --------------------------------------------------------------------------- serials


def test_serials_are_random_positive_and_short() -> None:
    serials = [pki.new_serial() for _ in range(1000)]
    assert len(set(serials)) == 1000
    assert all(s > 0 for s in serials)
    # positive INTEGER content octets = bit_length // 8 + 1 (room for the sign bit)
    assert all(s.bit_length() // 8 + 1 <= 20 for s in serials)
    assert max(s.bit_length() for s in serials) >= 120
    # 127 uniformly random bits: the mean popcount is ~63.5; a counter or a 32-bit value would be far off
    mean_popcount = sum(s.bit_count() for s in serials) / len(serials)
    assert 60 < mean_popcount < 67
    assert len({s >> 64 for s in serials}) > 990  # the high half varies too


def test_leaf_serial_der_is_at_most_20_octets(hierarchy: pki.Hierarchy) -> None:
    leaf, _ = make_leaf(hierarchy)
    tbs = asn1_x509.Certificate.load(leaf.public_bytes(serialization.Encoding.DER))["tbs_certificate"]
    assert 1 <= len(tbs["serial_number"].contents) <= 20
    assert leaf.serial_number > 0


# --------------------------------------------------------------------------- hierarchy


def test_hierarchy_profile(hierarchy: pki.Hierarchy) -> None:
    root, issuing = hierarchy.root.certificate, hierarchy.issuing.certificate
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    assert root.subject.rfc4514_string() == f"CN={ORG} Root CA,O={ORG},C=CN"

    for cert in (root, issuing):
        bc = ext(cert, x509.BasicConstraints)
        assert bc.critical and bc.value.ca
        ku = ext(cert, x509.KeyUsage)
        assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
        assert isinstance(cast(ec.EllipticCurvePublicKey, cert.public_key()).curve, ec.SECP256R1)
    assert ext(issuing, x509.BasicConstraints).value.path_length == 0
    assert (
        ext(issuing, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(root, x509.SubjectKeyIdentifier).value.digest
    )
    dp = ext(issuing, x509.CRLDistributionPoints).value[0].full_name[0].value
    assert dp == f"{BASE_URL}/pki/root.crl"
    assert root.not_valid_after_utc - NOW >= dt.timedelta(days=20 * 365)
    assert issuing.not_valid_after_utc - NOW >= dt.timedelta(days=10 * 365)
    assert issuing.not_valid_after_utc <= root.not_valid_after_utc


def test_tsa_certificate(hierarchy: pki.Hierarchy) -> None:
    tsa = hierarchy.tsa.certificate
    tsa.verify_directly_issued_by(hierarchy.issuing.certificate)
    eku = ext(tsa, x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ku = ext(tsa, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ext(tsa, x509.BasicConstraints).value.ca


def test_ocsp_responder_certificate(hierarchy: pki.Hierarchy) -> None:
    cert = hierarchy.ocsp.certificate
    cert.verify_directly_issued_by(hierarchy.issuing.certificate)
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert ext(cert, x509.OCSPNoCheck) is not None
    assert cert.not_valid_after_utc - NOW <= dt.timedelta(days=2 * 365 + 1)


# --------------------------------------------------------------------------- leaves


def test_leaf_subject_matches_manual_style() -> None:
    name = pki.leaf_subject(ENTERPRISE, 510, 1735534854836)
    assert name.rfc4514_string() == f"CN=1@{ENTERPRISE}@1735534854836@510,OU=INDIVIDUAL,O={ENTERPRISE},C=CN"
    with pytest.raises(ValueError):
        pki.leaf_subject("a@b", 1, 1)


def test_leaf_profile(hierarchy: pki.Hierarchy) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    evil = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "evil"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attacker"),
        ]
    )
    subject = pki.leaf_subject(ENTERPRISE, 7, 1735534854836)
    leaf = pki.issue_leaf(
        hierarchy.issuing,
        make_csr(key, evil, ca_request=True),
        subject,
        NOW,
        NOW + dt.timedelta(days=365),
        BASE_URL,
        serial=123456789,
    )
    assert leaf.serial_number == 123456789
    assert leaf.subject == subject
    assert leaf.subject.rfc4514_string().startswith(f"CN=1@{ENTERPRISE}@1735534854836@7,OU=INDIVIDUAL,")
    assert "evil" not in leaf.subject.rfc4514_string()
    assert leaf.public_key() == key.public_key()

    ku = ext(leaf, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    assert not ext(leaf, x509.BasicConstraints).value.ca
    eku = ext(leaf, x509.ExtendedKeyUsage)
    assert not eku.critical and list(eku.value) == [pki.DOCUMENT_SIGNING_OID, ExtendedKeyUsageOID.EMAIL_PROTECTION]

    aia = {d.access_method: d.access_location.value for d in ext(leaf, x509.AuthorityInformationAccess).value}
    assert aia[x509.AuthorityInformationAccessOID.OCSP] == f"{BASE_URL}/pki/ocsp"
    assert aia[x509.AuthorityInformationAccessOID.CA_ISSUERS] == f"{BASE_URL}/pki/issuing-ca.crt"
    crl_dp = ext(leaf, x509.CRLDistributionPoints).value[0].full_name[0].value
    assert crl_dp == f"{BASE_URL}/pki/issuing.crl"
    assert ext(leaf, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        key.public_key()
    )
    assert (
        ext(leaf, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(hierarchy.issuing.certificate, x509.SubjectKeyIdentifier).value.digest
    )

    leaf.verify_directly_issued_by(hierarchy.issuing.certificate)
    hierarchy.issuing.certificate.verify_directly_issued_by(hierarchy.root.certificate)
    assert len(pki.fingerprint(leaf)) == 64
    assert x509.load_pem_x509_certificate(pki.to_pem(leaf)) == leaf


def test_leaf_accepts_pem_csr_and_rsa_2048(hierarchy: pki.Hierarchy) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = x509.load_der_x509_csr(make_csr(key)).public_bytes(serialization.Encoding.PEM)
    leaf = pki.issue_leaf(
        hierarchy.issuing, pem, pki.leaf_subject(ENTERPRISE, 1, 1), NOW, NOW + dt.timedelta(days=30), BASE_URL
    )
    assert leaf.public_key() == key.public_key()


def test_csr_with_bad_signature_refused(hierarchy: pki.Hierarchy) -> None:
    der = bytearray(make_csr(ec.generate_private_key(ec.SECP256R1())))
    der[-1] ^= 0x01
    with pytest.raises(pki.CsrRejected, match="signature"):
        pki.issue_leaf(
            hierarchy.issuing,
            bytes(der),
            pki.leaf_subject(ENTERPRISE, 1, 1),
            NOW,
            NOW + dt.timedelta(days=1),
            BASE_URL,
        )


@pytest.mark.parametrize(
    "key_factory",
    [
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 - must be refused
        lambda: ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["p384", "rsa1024", "ed25519"],
)
def test_csr_with_unacceptable_key_refused(hierarchy: pki.Hierarchy, key_factory) -> None:
    with pytest.raises(pki.CsrRejected):
        pki.issue_leaf(
            hierarchy.issuing,
            make_csr(key_factory()),
            pki.leaf_subject(ENTERPRISE, 1, 1),
            NOW,
            NOW + dt.timedelta(days=1),
            BASE_URL,
        )


def test_garbage_csr_refused(hierarchy: pki.Hierarchy) -> None:
    with pytest.raises(pki.CsrRejected):
        pki.issue_leaf(
            hierarchy.issuing, b"\x30\x03\x02\x01\x00", pki.leaf_subject(ENTERPRISE, 1, 1), NOW, NOW, BASE_URL
        )


def test_leaf_cannot_outlive_issuing_ca(hierarchy: pki.Hierarchy) -> None:
    with pytest.raises(ValueError, match="outlive"):
        pki.issue_leaf(
            hierarchy.issuing,
            make_csr(ec.generate_private_key(ec.SECP256R1())),
            pki.leaf_subject(ENTERPRISE, 1, 1),
            NOW,
            hierarchy.issuing.certificate.not_valid_after_utc + dt.timedelta(days=1),
            BASE_URL,
        )


# --------------------------------------------------------------------------- CRL


def openssl() -> str:
    return tool("openssl")


def test_crl_parsed_by_openssl(hierarchy: pki.Hierarchy) -> None:
    leaf, _ = make_leaf(hierarchy)
    other, _ = make_leaf(hierarchy)
    crl = pki.build_crl(
        hierarchy.issuing,
        [(leaf.serial_number, NOW, "keyCompromise"), (other.serial_number, NOW, "superseded")],
        NOW,
        NOW + dt.timedelta(days=7),
        42,
    )
    assert crl.is_signature_valid(cast(ec.EllipticCurvePublicKey, hierarchy.issuing.certificate.public_key()))
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 42
    assert (
        crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(hierarchy.issuing.certificate, x509.SubjectKeyIdentifier).value.digest
    )

    out = subprocess.run(
        [openssl(), "crl", "-inform", "DER", "-text", "-noout"],
        input=crl.public_bytes(serialization.Encoding.DER),
        capture_output=True,
        check=True,
    ).stdout.decode()
    serials = {int(s, 16) for s in re.findall(r"Serial Number: ([0-9A-F]+)", out)}
    assert serials == {leaf.serial_number, other.serial_number}
    assert "Key Compromise" in out
    assert "Superseded" in out
    assert re.search(r"X509v3 CRL Number:\s*\n\s*42", out)


def test_crl_next_update_limited_to_seven_days(hierarchy: pki.Hierarchy) -> None:
    with pytest.raises(ValueError, match="7 days"):
        pki.build_crl(hierarchy.issuing, [], NOW, NOW + dt.timedelta(days=7, seconds=1), 1)


@pytest.mark.parametrize(
    "reason", ["certificateHold", "unspecified", "cACompromise", "removeFromCRL", "bogus"]
)
def test_crl_refuses_forbidden_reasons(hierarchy: pki.Hierarchy, reason: str) -> None:
    with pytest.raises(ValueError):
        pki.build_crl(hierarchy.issuing, [(12345, NOW, reason)], NOW, NOW + dt.timedelta(days=1), 1)


def test_crl_accepts_snake_case_reason(hierarchy: pki.Hierarchy) -> None:
    crl = pki.build_crl(
        hierarchy.issuing, [(12345, NOW, "privilege_withdrawn")], NOW, NOW + dt.timedelta(days=1), 1
    )
    entry = crl.get_revoked_certificate_by_serial_number(12345)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.privilege_withdrawn
    )


def test_root_crl_can_revoke_issuing_ca(hierarchy: pki.Hierarchy) -> None:
    serial = hierarchy.issuing.certificate.serial_number
    crl = pki.build_crl(hierarchy.root, [(serial, NOW, "keyCompromise")], NOW, NOW + dt.timedelta(days=7), 1)
    assert crl.issuer == hierarchy.root.certificate.subject
    assert crl.is_signature_valid(cast(ec.EllipticCurvePublicKey, hierarchy.root.certificate.public_key()))
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None


# --------------------------------------------------------------------------- OCSP


class Registry:
    def __init__(self) -> None:
        self.good: set[int] = set()
        self.revoked: dict[int, tuple[dt.datetime, str]] = {}

    def __call__(self, serial: int) -> tuple[str, dt.datetime | None, str | None]:
        if serial in self.revoked:
            at, reason = self.revoked[serial]
            return "revoked", at, reason
        if serial in self.good:
            return "good", None, None
        return "unknown", None, None


def ocsp_request(
    cert: x509.Certificate, issuer: x509.Certificate, *, algorithm=None, nonce: bytes | None = None
) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm or hashes.SHA256())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def verify_response(resp: ocsp.OCSPResponse, responder: x509.Certificate) -> None:
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    key = responder.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(resp.signature, resp.tbs_response_bytes,
               ec.ECDSA(cast(hashes.HashAlgorithm, resp.signature_hash_algorithm)))
    assert responder in resp.certificates


def test_ocsp_good_revoked_unknown(hierarchy: pki.Hierarchy) -> None:
    good, _ = make_leaf(hierarchy)
    revoked, _ = make_leaf(hierarchy)
    reg = Registry()
    reg.good |= {good.serial_number, revoked.serial_number}
    revoked_at = NOW - dt.timedelta(hours=2)
    reg.revoked[revoked.serial_number] = (revoked_at, "keyCompromise")
    responder = hierarchy.ocsp.certificate

    for algorithm in (hashes.SHA1(), hashes.SHA256()):  # noqa: S303 - SHA-1 CertIDs are what openssl sends
        resp = ocsp.load_der_ocsp_response(
            pki.ocsp_respond(
                ocsp_request(good, hierarchy.issuing.certificate, algorithm=algorithm),
                hierarchy.issuing,
                hierarchy.ocsp,
                reg,
                NOW,
            )
        )
        verify_response(resp, responder)
        assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert resp.serial_number == good.serial_number
        assert resp.this_update_utc == NOW
        assert resp.next_update_utc == NOW + dt.timedelta(days=1)

    resp = ocsp.load_der_ocsp_response(
        pki.ocsp_respond(
            ocsp_request(revoked, hierarchy.issuing.certificate), hierarchy.issuing, hierarchy.ocsp, reg, NOW
        )
    )
    verify_response(resp, responder)
    assert resp.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert resp.revocation_time_utc == revoked_at
    assert resp.revocation_reason == x509.ReasonFlags.key_compromise

    # Same issuer, a serial the registry has never seen: must be "unknown", never "good".
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            resp.issuer_name_hash, resp.issuer_key_hash, pki.new_serial(), hashes.SHA256()
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    resp = ocsp.load_der_ocsp_response(pki.ocsp_respond(request, hierarchy.issuing, hierarchy.ocsp, reg, NOW))
    verify_response(resp, responder)
    assert resp.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def test_ocsp_echoes_nonce(hierarchy: pki.Hierarchy) -> None:
    leaf, _ = make_leaf(hierarchy)
    reg = Registry()
    reg.good.add(leaf.serial_number)
    nonce = b"0123456789abcdef"
    resp = ocsp.load_der_ocsp_response(
        pki.ocsp_respond(
            ocsp_request(leaf, hierarchy.issuing.certificate, nonce=nonce),
            hierarchy.issuing,
            hierarchy.ocsp,
            reg,
            NOW,
        )
    )
    assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce


def test_ocsp_malformed_and_foreign_issuer(hierarchy: pki.Hierarchy) -> None:
    reg = Registry()
    resp = ocsp.load_der_ocsp_response(
        pki.ocsp_respond(b"not der", hierarchy.issuing, hierarchy.ocsp, reg, NOW)
    )
    assert resp.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST

    other = pki.create_hierarchy("别的机构", BASE_URL, now=NOW)
    foreign_leaf, _ = make_leaf(other)
    reg.good.add(foreign_leaf.serial_number)
    resp = ocsp.load_der_ocsp_response(
        pki.ocsp_respond(
            ocsp_request(foreign_leaf, other.issuing.certificate), hierarchy.issuing, hierarchy.ocsp, reg, NOW
        )
    )
    assert resp.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_openssl_ocsp_client(hierarchy: pki.Hierarchy, tmp_path: Path) -> None:
    exe = openssl()
    good, _ = make_leaf(hierarchy)
    revoked, _ = make_leaf(hierarchy)
    reg = Registry()
    reg.good |= {good.serial_number, revoked.serial_number}
    reg.revoked[revoked.serial_number] = (NOW - dt.timedelta(minutes=30), "superseded")

    (tmp_path / "root.pem").write_bytes(pki.to_pem(hierarchy.root.certificate))
    (tmp_path / "issuing.pem").write_bytes(pki.to_pem(hierarchy.issuing.certificate))

    for cert, expected in ((good, "good"), (revoked, "revoked")):
        (tmp_path / "leaf.pem").write_bytes(pki.to_pem(cert))
        subprocess.run(
            [exe, "ocsp", "-issuer", "issuing.pem", "-cert", "leaf.pem", "-reqout", "req.der", "-no_nonce"],
            cwd=tmp_path,
            capture_output=True,
            check=True,
        )
        response = pki.ocsp_respond(
            (tmp_path / "req.der").read_bytes(),
            hierarchy.issuing,
            hierarchy.ocsp,
            reg,
            dt.datetime.now(dt.UTC),
        )
        (tmp_path / "resp.der").write_bytes(response)
        result = subprocess.run(
            [
                exe,
                "ocsp",
                "-respin",
                "resp.der",
                "-issuer",
                "issuing.pem",
                "-cert",
                "leaf.pem",
                "-CAfile",
                "root.pem",
                "-resp_text",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "Response verify OK" in output
        assert re.search(rf"^leaf\.pem: {expected}$", output, re.MULTILINE), output
        if expected == "revoked":
            assert "Reason: superseded" in output

    # openssl's default request carries a nonce; -reqin makes it check that the response echoes it.
    (tmp_path / "leaf.pem").write_bytes(pki.to_pem(good))
    subprocess.run(
        [exe, "ocsp", "-issuer", "issuing.pem", "-cert", "leaf.pem", "-reqout", "nonce-req.der"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    response = pki.ocsp_respond(
        (tmp_path / "nonce-req.der").read_bytes(),
        hierarchy.issuing,
        hierarchy.ocsp,
        reg,
        dt.datetime.now(dt.UTC),
    )
    (tmp_path / "nonce-resp.der").write_bytes(response)
    result = subprocess.run(
        [
            exe,
            "ocsp",
            "-reqin",
            "nonce-req.der",
            "-respin",
            "nonce-resp.der",
            "-CAfile",
            "root.pem",
            "-resp_text",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Response verify OK" in output
    assert "Nonce Verify error" not in output
    assert "no nonce in response" not in output
    assert "OCSP Nonce" in output


# --------------------------------------------------------------------------- pyHanko acceptance


def test_pyhanko_accepts_leaf_with_our_crl_and_ocsp(hierarchy: pki.Hierarchy) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    leaf, key = make_leaf(hierarchy)
    now = dt.datetime.now(dt.UTC)
    reg = Registry()
    reg.good.add(leaf.serial_number)

    writer = PdfFileWriter()
    content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (hello) Tj ET")
    writer.insert_page(PageObject(writer.add_object(content), [0, 0, 595, 842]))
    buf = io.BytesIO()
    writer.write(buf)
    buf.seek(0)

    signer = signers.SimpleSigner(
        signing_cert=asn1(leaf),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1(hierarchy.issuing.certificate)]),
    )
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(buf), signers.PdfSignatureMetadata(field_name="Sig1"), signer=signer
    )

    def validate(lookup: Registry) -> bool:
        issuing_crl = pki.build_crl(
            hierarchy.issuing,
            [(s, t, r) for s, (t, r) in lookup.revoked.items()],
            now - dt.timedelta(minutes=1),
            now + dt.timedelta(days=6),
            1,
        )
        root_crl = pki.build_crl(
            hierarchy.root, [], now - dt.timedelta(minutes=1), now + dt.timedelta(days=6), 1
        )
        ocsp_der = pki.ocsp_respond(
            ocsp_request(leaf, hierarchy.issuing.certificate), hierarchy.issuing, hierarchy.ocsp, lookup, now
        )
        context = ValidationContext(
            trust_roots=[asn1(hierarchy.root.certificate)],
            crls=[
                issuing_crl.public_bytes(serialization.Encoding.DER),
                root_crl.public_bytes(serialization.Encoding.DER),
            ],
            ocsps=[ocsp_der],
            revocation_mode="require",
            allow_fetching=False,
        )
        signed.seek(0)
        status = validate_pdf_signature(PdfFileReader(signed).embedded_signatures[0], context)
        assert status.intact
        return status.bottom_line

    assert validate(reg)
    reg.revoked[leaf.serial_number] = (now - dt.timedelta(minutes=5), "keyCompromise")
    assert not validate(reg)


# --------------------------------------------------------------------------- keys at rest


def test_private_key_encryption_round_trip(hierarchy: pki.Hierarchy) -> None:
    box = SecretBox(bytes(range(32)))
    key = hierarchy.issuing.private_key
    blob = box.seal_private_key(key, "issuing")
    assert blob != box.seal_private_key(key, "issuing")  # fresh nonce every time
    raw = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert raw not in blob
    restored = box.open_private_key(blob, "issuing")
    assert restored.private_numbers() == key.private_numbers()


def test_private_key_wrong_master_key_or_tampering_fails(hierarchy: pki.Hierarchy) -> None:
    box = SecretBox(bytes(range(32)))
    blob = box.seal_private_key(hierarchy.root.private_key, "root")
    with pytest.raises(UnsealError, match="wrong master key"):
        SecretBox(bytes(32)).open_private_key(blob, "root")
    tampered = bytearray(blob)
    tampered[-1] ^= 0x80
    with pytest.raises(UnsealError):
        box.open_private_key(bytes(tampered), "root")
    future = bytearray(blob)
    future[0] = 2  # version byte
    with pytest.raises(UnsealError, match="version"):
        box.open_private_key(bytes(future), "root")
    with pytest.raises(ValueError):
        SecretBox(b"short")
