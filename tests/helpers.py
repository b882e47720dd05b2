"""Test helpers that drive the domain directly (no network): a provisioned instance and a phone."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from keystore import device as ks_device
from signer import migrate
from signer.accounts.enums import Role
from signer.accounts.models import Account, Enterprise
from signer.accounts.service import AppIdentity
from signer.app import Services, build_services
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.core import audit
from signer.core.config import Config
from signer.core.events import RecordingNotifier
from signer.core.passwords import hash_password
from signer.demo.seed import DEMO_CREDIT_CODE, seed_demo
from signer.seals.enums import SealKind
from signer.seals.models import SealAssignment
from signer.seals.seed_seals import seed_demo_seals

PASSWORD = "Demo-Pass-2026"
SIGNING_PASSWORD = "Qm7#signing"


def provision(tmp_path: Path, database_url: str, seal_images: bool = False,
              **overrides: object) -> tuple[Services, RecordingNotifier]:
    config = Config(instance_path=tmp_path / "instance", database_url=database_url, signing_workers=0,
                    base_url="http://127.0.0.1:1")
    if database_url.startswith("sqlite"):
        config.database_url = ""
        config.instance_path = Path(database_url.removeprefix("sqlite:///")).parent / "instance"
    for key, value in overrides.items():
        setattr(config, key, value)
    os.environ.pop("SIGNER_MASTER_KEY", None)
    notifier = RecordingNotifier()
    services = build_services(config, notifier)
    migrate.upgrade(services.db)
    with services.db.write() as s:
        audit.ensure_head(s)
    services.ca.initialize("测试认证中心")
    seed_demo(services.db, PASSWORD)
    if seal_images:  # as `signer init` does: the enterprise's seal images, operator1's handwriting
        seed_demo_seals(services.seals, DEMO_CREDIT_CODE, "operator1", None)
    return services, notifier


def add_operator(services: Services, username: str, seals: tuple[SealKind, ...] = tuple(SealKind),
                 enterprise_name: str | None = None) -> tuple[Account, Certificate]:
    """Another operator with a certificate 待下载 (in the demo enterprise unless another is named)."""
    with services.db.write() as s:
        if enterprise_name:
            enterprise = Enterprise(name=enterprise_name, credit_code=username.upper()[:18].ljust(18, "0"))
            s.add(enterprise)
            s.flush()
        else:
            first = s.scalar(select(Enterprise).order_by(Enterprise.id))
            assert first is not None  # the demo enterprise is seeded first
            enterprise = first
        account = Account(enterprise_id=enterprise.id, username=username, display_name=username,
                          role=Role.OPERATOR, password_hash=hash_password(PASSWORD))
        s.add(account)
        s.flush()
        cert = Certificate(enterprise_id=enterprise.id, kind=CertificateKind.MOBILE,
                           status=CertificateStatus.PENDING_DOWNLOAD, bound_account_id=account.id)
        s.add(cert)
        for kind in seals:
            s.add(SealAssignment(account_id=account.id, seal_kind=kind))
        s.flush()
    return account, cert


@dataclass
class DomainPhone:
    """A phone driving the services directly, with the real keystore."""

    services: Services
    who: AppIdentity
    keystore: ks_device.Keystore | None = None
    cert_id: int | None = None

    @classmethod
    def login(cls, services: Services, username: str, device_uid: str = "phone-1") -> DomainPhone:
        account = services.accounts.authenticate(username, PASSWORD, "127.0.0.1")
        token = services.accounts.issue_app_token(account, device_uid, "test phone", "127.0.0.1")
        return cls(services, services.accounts.identify_app(token))

    def download(self, cert_id: int, password: str = SIGNING_PASSWORD) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "phone")]))
               .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
        enrollment = ks_device.enroll(password)
        result = self.services.certificates.download(self.who, cert_id, csr, enrollment.verifier, "127.0.0.1")
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        self.keystore = ks_device.seal(der, enrollment.password_key, result.share, self.who.device.device_uid,
                                       result.serial_hex, result.certificate_pem, result.chain_pem,
                                       enrollment.params)
        self.cert_id = cert_id

    def response(self, nonce_b64: str, password: str = SIGNING_PASSWORD) -> bytes:
        assert self.keystore is not None
        _, verifier = ks_device.verifier_from_password(password, self.keystore.kdf)
        return ks_device.unlock_response(verifier, base64.b64decode(nonce_b64))

    def sign_all(self, session_id: str, first_round: dict, share_b64: str, password: str = SIGNING_PASSWORD,
                 tamper: bool = False) -> dict:
        assert self.keystore is not None
        password_key, _ = ks_device.verifier_from_password(password, self.keystore.kdf)
        der = ks_device.open_keystore(self.keystore, password_key, base64.b64decode(share_b64),
                                      self.who.device.device_uid)
        key = ks_device.load_private_key(der)
        rnd = first_round
        while True:
            signature = key.sign(base64.b64decode(rnd["signed_attrs"]), ec.ECDSA(hashes.SHA256()))
            if tamper:
                signature = signature[:-1] + bytes([signature[-1] ^ 1])
            result = self.services.signing.submit(self.who, session_id, rnd["position"], signature, "127.0.0.1")
            if result["done"]:
                return result
            rnd = result["round"]
