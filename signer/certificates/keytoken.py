"""I: making a physical KEY through PKCS#11: the key pair is generated on the token and never leaves it.

``generate`` makes a P-256 pair on the token (private key CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_PRIVATE);
``csr`` builds the PKCS#10 request from the token's public key and has the token sign it; after the platform CA
issued the certificate (signer/certificates/issuance.py), ``store_certificate`` writes it next to its key.
Key, public key and certificate share one CKA_ID: the SHA-1 of the public key (its subject key identifier),
so a signer (pyHanko's PKCS#11 signer, the KEY middleware) finds the certificate that goes with the key.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pkcs11
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from asn1crypto.core import Integer
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature, encode_named_curve_parameters

from signer.certificates import softhsm
from signer.certificates.token_config import TokenConfig
from signer.core.errors import Conflict, ErrorCode

P256 = "1.2.840.10045.3.1.7"  # secp256r1
_prepared: set[str] = set()  # modules whose SoftHSM2 token was made sure of in this process
_loading = threading.Lock()


def key_id(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The CKA_ID shared by the key pair and its certificate: the public key's subject key identifier."""
    return x509.SubjectKeyIdentifier.from_public_key(public_key).digest


class KeyToken:
    """The token in the production desk's reader (SoftHSM2 in development and tests)."""

    def __init__(self, config: TokenConfig) -> None:
        self.config = config

    def _token(self) -> pkcs11.Token:
        with _loading:
            if self.config.is_softhsm and self.config.module not in _prepared:
                softhsm.ensure_token(self.config)  # before SoftHSM2 starts and reads its configuration
                _prepared.add(self.config.module)
            try:
                lib = pkcs11.lib(self.config.module)  # loaded once per process by python-pkcs11
            except (RuntimeError, OSError) as exc:
                raise Conflict("无法加载实体KEY的PKCS#11模块", code=ErrorCode.KEY_TOKEN_UNAVAILABLE) from exc
        try:
            return lib.get_token(token_label=self.config.token_label)
        except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned) as exc:
            raise Conflict("未找到用于制作的实体KEY", code=ErrorCode.KEY_TOKEN_UNAVAILABLE) from exc

    @contextmanager
    def session(self) -> Iterator[pkcs11.Session]:
        """A read-write session, logged in as the user."""
        token = self._token()
        try:
            session = token.open(rw=True, user_pin=self.config.user_pin)
        except pkcs11.PKCS11Error as exc:  # the PIN is never part of the message
            raise Conflict("实体KEY登录失败", code=ErrorCode.KEY_TOKEN_UNAVAILABLE) from exc
        with session:
            yield session

    def generate(self, label: str) -> ec.EllipticCurvePublicKey:
        """A new P-256 key pair on the token; only the public key comes back."""
        with self.session() as s:
            params = s.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(P256)}, local=True)
            public, private = params.generate_keypair(
                store=True, label=label,
                public_template={Attribute.VERIFY: True},
                private_template={Attribute.SIGN: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                                  Attribute.PRIVATE: True, Attribute.DERIVE: False, Attribute.DECRYPT: False})
            loaded = serialization.load_der_public_key(encode_ec_public_key(public))
            assert isinstance(loaded, ec.EllipticCurvePublicKey)
            public[Attribute.ID] = private[Attribute.ID] = key_id(loaded)
            return loaded

    def csr(self, public_key: ec.EllipticCurvePublicKey, common_name: str) -> bytes:
        """A PKCS#10 request (PEM) for the token's key, signed by the token (ECDSA with SHA-256)."""
        spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        info = asn1_csr.CertificationRequestInfo({
            "version": "v1",
            "subject": asn1_x509.Name.build({"common_name": common_name}),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
            "attributes": [],
        })
        with self.session() as s:
            private = self._private_key(s, public_key)
            raw = private.sign(hashlib.sha256(info.dump()).digest(), mechanism=Mechanism.ECDSA)
        request = asn1_csr.CertificationRequest({
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": encode_ecdsa_signature(raw),
        })
        return x509.load_der_x509_csr(request.dump()).public_bytes(serialization.Encoding.PEM)

    def store_certificate(self, certificate: x509.Certificate, label: str) -> None:
        """Write the issued certificate next to its key (same CKA_ID)."""
        public_key = certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise Conflict("证书的密钥类型不是实体KEY的密钥", code=ErrorCode.KEY_TYPE)
        with self.session() as s:
            self._private_key(s, public_key)
            s.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: False,
                Attribute.LABEL: label,
                Attribute.ID: key_id(public_key),
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.ISSUER: certificate.issuer.public_bytes(),
                Attribute.SERIAL_NUMBER: Integer(certificate.serial_number).dump(),
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            })

    def has_key(self, public_key: ec.EllipticCurvePublicKey) -> bool:
        with self.session() as s:
            return any(True for _ in s.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                    Attribute.ID: key_id(public_key)}))

    def discard(self, public_key: ec.EllipticCurvePublicKey) -> None:
        """Remove a key pair whose certificate could not be issued (a KEY that is not shipped)."""
        with self.session() as s:
            for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
                for obj in list(s.get_objects({Attribute.CLASS: cls, Attribute.ID: key_id(public_key)})):
                    obj.destroy()

    @staticmethod
    def _private_key(s: pkcs11.Session, public_key: ec.EllipticCurvePublicKey) -> pkcs11.SignMixin:
        try:
            key = s.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, id=key_id(public_key))
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
            raise Conflict("实体KEY中没有对应的私钥", code=ErrorCode.KEY_TOKEN_UNAVAILABLE) from exc
        assert isinstance(key, pkcs11.SignMixin)
        return key
