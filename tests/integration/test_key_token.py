"""Issue 11 item 7 (I 实体KEY) against SoftHSM2 standing in for the USB KEY: the reviewer's 制作并邮寄 makes the
key pair on the token, where it stays (sensitive, never extractable); the certificate the platform CA issued
chains to the platform root and sits next to its key; a PDF signed with the token through pyHanko's PKCS#11
signer validates with the platform root as the only trust anchor (pyHanko and poppler's pdfsig)."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, ObjectClass
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from pdfsign.validate import all_valid, validate_pdf
from signer.applications.enums import ApplicationKind, ShippingStatus
from signer.applications.keyshipping import token_label
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.keytoken import key_id
from signer.certificates.token_config import TokenConfig
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealType
from tests.integration.conftest import nss_trusting, pdfsig_report
from tests.lifecycle_helpers import account, approve, cert_form, certificate, lifecycle_services, new_form, pay
from tests.needs import tool

IP = "127.0.0.1"


@pytest.fixture
def services(softhsm_token: TokenConfig, tmp_path: Path):
    svc = lifecycle_services(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield svc
    svc.db.dispose()


def made_key(services) -> tuple[int, int]:
    """新签 of a KEY → paid → approved → 制作并邮寄 by the reviewer: (application id, certificate id)."""
    admin = account(services, "admin")
    app = services.lifecycle.applications.apply_new(
        admin, new_form(services, admin, certificate_kind=CertificateKind.KEY, seal_type=SealType.COMPANY), IP)
    pay(services, admin, [app.id])
    cert_id = approve(services, app.id).result_certificate_id
    assert cert_id is not None  # approving a 新签 creates the certificate
    shipped = services.lifecycle.shipping.ship(account(services, "reviewer"), app.id, "顺丰速运", "SF2026112900",
                                               None, IP)
    assert shipped.shipping_status == ShippingStatus.SHIPPED
    return app.id, cert_id


def test_key_is_generated_on_the_token_and_cannot_leave_it(services, softhsm_token):
    """The private key exists only on the token: CKA_SENSITIVE, never CKA_EXTRACTABLE, and reading its value
    is refused; the certificate written next to it is the one the platform issued."""
    _, cert_id = made_key(services)
    issued = x509.load_der_x509_certificate(certificate(services, cert_id).certificate_der)
    public_key = issued.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    lib = pkcs11.lib(softhsm_token.module)
    token = lib.get_token(token_label=softhsm_token.token_label)
    with token.open(user_pin=softhsm_token.user_pin) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id(public_key))
        assert private[Attribute.LABEL] == token_label(cert_id)
        assert private[Attribute.TOKEN] and private[Attribute.PRIVATE]
        assert private[Attribute.SENSITIVE] and private[Attribute.ALWAYS_SENSITIVE]
        assert not private[Attribute.EXTRACTABLE] and private[Attribute.NEVER_EXTRACTABLE]
        assert private[Attribute.LOCAL]  # generated on the token, not imported
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]
        with pytest.raises(pkcs11.PKCS11Error):  # nor can it be wrapped out
            session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id(public_key)).copy(
                {Attribute.EXTRACTABLE: True})
        stored = [c[Attribute.VALUE] for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                                   Attribute.ID: key_id(public_key)})]
    assert stored == [issued.public_bytes(serialization.Encoding.DER)]


def test_key_certificate_chains_to_the_platform_root(services, tmp_path):
    """The platform CA issued the KEY's certificate: cryptography's and openssl's chain checks agree."""
    _, cert_id = made_key(services)
    leaf = x509.load_der_x509_certificate(certificate(services, cert_id).certificate_der)
    issuing, root = services.ca.chain()
    leaf.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    pem = serialization.Encoding.PEM
    (tmp_path / "root.pem").write_bytes(root.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    done = subprocess.run([tool("openssl"), "verify", "-CAfile", str(tmp_path / "root.pem"), "-untrusted",
                           str(tmp_path / "issuing.pem"), str(tmp_path / "leaf.pem")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith(": OK"), done.stdout + done.stderr


def test_pdf_signed_with_the_token_validates_against_the_platform_root(services, softhsm_token, tmp_path):
    """pyHanko's PKCS#11 signer signs with the key on the token; the signature is intact, valid and trusted
    with the platform root as the only trust root (pyHanko), and pdfsig says the same."""
    app_id, cert_id = made_key(services)
    services.lifecycle.shipping.received(account(services, "admin"), app_id, IP)  # 确认收货
    assert certificate(services, cert_id).status == CertificateStatus.EFFECTIVE
    leaf = x509.load_der_x509_certificate(certificate(services, cert_id).certificate_der)
    public_key = leaf.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    issuing, root = services.ca.chain()
    der = serialization.Encoding.DER
    with open_pkcs11_session(softhsm_token.module, user_pin=softhsm_token.user_pin,
                             token_criteria=TokenCriteria(label=softhsm_token.token_label)) as session:
        # SoftHSM2 signs raw ECDSA only: pyHanko hashes and the token signs the digest.
        signer = PKCS11Signer(session, key_id=key_id(public_key), cert_id=key_id(public_key),
                              other_certs_to_pull=(), bulk_fetch=False, use_raw_mechanism=True,
                              ca_chain=[asn1_x509.Certificate.load(issuing.public_bytes(der))])
        out = BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(sample_pdf("KEY contract"))),
                         signers.PdfSignatureMetadata(field_name="KEY", md_algorithm="sha256"),
                         signer=signer, output=out)
    signed = out.getvalue()
    reports = validate_pdf(signed, [root.public_bytes(der)])
    assert all_valid(reports), reports
    assert reports[0].intact and reports[0].valid and reports[0].trusted
    assert reports[0].serial == format(leaf.serial_number, "x")
    (tmp_path / "signed.pdf").write_bytes(signed)
    (tmp_path / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    report = pdfsig_report(tmp_path / "signed.pdf", nss_trusting(tmp_path / "root.pem", tmp_path), ocsp=False)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report


def test_key_change_recertifies_the_key_on_the_token_and_replaces_the_old_one_on_receipt(services, softhsm_token):
    """Issue 11 item 7: a 变更 of a KEY keeps its key (re-certified, the new certificate written next to it on
    the token), is mailed where the first KEY went, and withdraws the old certificate only once it is received."""
    app_id, old_id = made_key(services)
    admin = account(services, "admin")
    services.lifecycle.shipping.received(admin, app_id, IP)
    change = services.lifecycle.applications.apply_for(
        admin, old_id, ApplicationKind.CHANGE, cert_form(services, admin, ApplicationKind.CHANGE,
                                                          certificate(services, old_id)), IP)
    pay(services, admin, [change.id])
    approved = approve(services, change.id)
    assert (approved.recipient_name, approved.mailing_address) == ("李收件", "山东省烟台市龙口市东莱街道港城大道100号")
    new_id = approved.result_certificate_id
    services.lifecycle.shipping.ship(account(services, "reviewer"), change.id, "中国邮政", "EMS20261129", None, IP)
    assert certificate(services, old_id).status == CertificateStatus.EFFECTIVE  # the old KEY works meanwhile
    assert certificate(services, new_id).status == CertificateStatus.IN_TRANSIT
    old = x509.load_der_x509_certificate(certificate(services, old_id).certificate_der)
    new = x509.load_der_x509_certificate(certificate(services, new_id).certificate_der)
    assert new.public_key() == old.public_key()
    public_key = new.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    token = pkcs11.lib(softhsm_token.module).get_token(token_label=softhsm_token.token_label)
    with token.open(user_pin=softhsm_token.user_pin) as session:
        stored = {c[Attribute.VALUE] for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                                   Attribute.ID: key_id(public_key)})}
    assert new.public_bytes(serialization.Encoding.DER) in stored
    services.lifecycle.shipping.received(admin, change.id, IP)
    assert certificate(services, new_id).status == CertificateStatus.EFFECTIVE
    assert certificate(services, old_id).status == CertificateStatus.WITHDRAWN
