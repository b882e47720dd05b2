"""Phone side of the keystore protocol: enrollment, unlock response, and the sealed envelope."""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeystoreError, KeystoreLocked
from .kdf import (
    MAX_DKLEN,
    MIN_DKLEN,
    NONCE_BYTES,
    SHARE_BYTES,
    VERIFIER_BYTES,
    KdfParams,
    b64decode,
    b64encode,
    check_params,
    derive_envelope_key,
    derive_password_key,
    new_kdf_params,
    unlock_mac,
    verifier_from_key,
)
from .passwords import check_signing_password

KEYSTORE_VERSION = 1
CIPHER = "AES-256-GCM"
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
MAX_DEVICE_ID_BYTES = 256
MAX_SERIAL_HEX_DIGITS = 40  # 20 octets

_HEX = re.compile(r"[0-9a-fA-F]+")
_JSON_KEYS = frozenset(
    {
        "version",
        "cipher",
        "device_id",
        "serial_hex",
        "kdf",
        "cert_fingerprint",
        "nonce",
        "ciphertext",
        "certificate_pem",
        "chain_pem",
    }
)


# --- enrollment and unlock ---------------------------------------------------------------------


@dataclass
class Enrollment:
    """Result of setting a password: send `verifier` to the server, keep `password_key` only to seal."""

    params: KdfParams
    password_key: bytes = field(repr=False)
    verifier: bytes


def verifier_from_password(password: str, params: KdfParams) -> tuple[bytes, bytes]:
    """(P, V): P = scrypt(password, params), V = HMAC-SHA256(P, verify label). One scrypt run."""
    password_key = derive_password_key(password, params)
    return password_key, verifier_from_key(password_key)


def enroll(password: str, params: KdfParams | None = None) -> Enrollment:
    """Check the password rules, pick fresh KDF parameters (new salt), derive P and V."""
    check_signing_password(password)
    params = params if params is not None else new_kdf_params()
    password_key, verifier = verifier_from_password(password, params)
    return Enrollment(params=params, password_key=password_key, verifier=verifier)


def unlock_response(verifier: bytes, nonce: bytes) -> bytes:
    """R = HMAC-SHA256(V, "signer/keystore/unlock/v1|" || nonce), the answer to a server challenge."""
    if not isinstance(verifier, bytes) or len(verifier) != VERIFIER_BYTES:
        raise KeystoreError(f"verifier must be {VERIFIER_BYTES} bytes")
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
        raise KeystoreError(f"unlock nonce must be {NONCE_BYTES} bytes")
    return unlock_mac(verifier, nonce)


# --- keys and certificates ---------------------------------------------------------------------


def generate_private_key() -> bytes:
    """A fresh P-256 private key as unencrypted PKCS#8 DER."""
    return _pkcs8(ec.generate_private_key(ec.SECP256R1()))


def load_private_key(der: bytes) -> ec.EllipticCurvePrivateKey:
    """Load an unencrypted PKCS#8 DER EC private key (as returned by open_keystore; device keys are P-256)."""
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as exc:
        raise KeystoreError("not a valid unencrypted PKCS#8 private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeystoreError("not an EC private key")
    return key


def _pkcs8(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_cert(pem: Any, what: str) -> x509.Certificate:
    if not isinstance(pem, str):
        raise KeystoreError(f"{what}: expected a PEM string")
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeystoreError(f"{what}: not a PEM certificate") from exc


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def certificate_fingerprint(certificate_pem: str) -> str:
    """Lowercase hex SHA-256 of the certificate's DER encoding."""
    return _fingerprint(_load_cert(certificate_pem, "certificate"))


def normalize_serial_hex(serial_hex: str) -> str:
    """Canonical serial: lowercase hex without leading zeros (format(serial, "x"))."""
    if not isinstance(serial_hex, str) or not _HEX.fullmatch(serial_hex):
        raise KeystoreError("serial_hex must be a hexadecimal string")
    value = int(serial_hex, 16)
    canonical = format(value, "x")
    if value <= 0 or len(canonical) > MAX_SERIAL_HEX_DIGITS:
        raise KeystoreError("serial must be positive and at most 20 octets")
    return canonical


def _check_device_id(device_id: Any) -> str:
    if not isinstance(device_id, str) or not device_id:
        raise KeystoreError("device_id must be a non-empty string")
    if len(device_id.encode("utf-8")) > MAX_DEVICE_ID_BYTES:
        raise KeystoreError(f"device_id must be at most {MAX_DEVICE_ID_BYTES} UTF-8 bytes")
    if any(unicodedata.category(ch).startswith("C") for ch in device_id):
        raise KeystoreError("device_id must not contain control characters")
    return device_id


def _check_password_key(password_key: Any, params: KdfParams) -> None:
    if not isinstance(password_key, bytes) or len(password_key) != params.dklen:
        raise KeystoreError(f"password key must be {params.dklen} bytes")
    if not MIN_DKLEN <= len(password_key) <= MAX_DKLEN:
        raise KeystoreError("password key has an invalid length")


def _check_share(share: Any) -> None:
    if not isinstance(share, bytes) or len(share) != SHARE_BYTES:
        raise KeystoreError(f"server share must be {SHARE_BYTES} bytes")


# --- the envelope ------------------------------------------------------------------------------


@dataclass
class Keystore:
    """The sealed per-device keystore (private key + certificate chain)."""

    version: int
    device_id: str
    serial_hex: str
    kdf: KdfParams
    nonce: bytes
    ciphertext: bytes
    certificate_pem: str
    chain_pem: list[str]
    cert_fingerprint: str

    def header(self) -> dict[str, Any]:
        """The authenticated header (AES-GCM associated data)."""
        return {
            "version": self.version,
            "cipher": CIPHER,
            "device_id": self.device_id,
            "serial_hex": self.serial_hex,
            "kdf": self.kdf.to_dict(),
            "cert_fingerprint": self.cert_fingerprint,
            "chain_fingerprints": [_fingerprint(_load_cert(p, "chain_pem")) for p in self.chain_pem],
        }

    def aad(self) -> bytes:
        """Canonical JSON of the header: sorted keys, no whitespace, ASCII escapes, UTF-8."""
        return canonical_json(self.header())

    def certificate(self) -> x509.Certificate:
        return _load_cert(self.certificate_pem, "certificate_pem")

    def validate(self) -> None:
        """Structural and consistency checks (no secrets needed). Raises KeystoreError."""
        if not isinstance(self.version, int) or isinstance(self.version, bool):
            raise KeystoreError("version must be an integer")
        if self.version != KEYSTORE_VERSION:
            raise KeystoreError(f"unsupported keystore version {self.version!r}")
        _check_device_id(self.device_id)
        if not isinstance(self.serial_hex, str) or normalize_serial_hex(self.serial_hex) != self.serial_hex:
            raise KeystoreError("serial_hex is not in canonical form")
        check_params(self.kdf)
        if not isinstance(self.nonce, bytes) or len(self.nonce) != GCM_NONCE_BYTES:
            raise KeystoreError(f"nonce must be {GCM_NONCE_BYTES} bytes")
        if not isinstance(self.ciphertext, bytes) or len(self.ciphertext) <= GCM_TAG_BYTES:
            raise KeystoreError("ciphertext is too short")
        cert = self.certificate()
        if _fingerprint(cert) != self.cert_fingerprint:
            raise KeystoreError("certificate does not match the stored fingerprint")
        if format(cert.serial_number, "x") != self.serial_hex:
            raise KeystoreError("certificate serial does not match serial_hex")
        if not isinstance(self.chain_pem, list):
            raise KeystoreError("chain_pem must be a list")
        for pem in self.chain_pem:
            _load_cert(pem, "chain_pem")

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "cipher": CIPHER,
                "device_id": self.device_id,
                "serial_hex": self.serial_hex,
                "kdf": self.kdf.to_dict(),
                "cert_fingerprint": self.cert_fingerprint,
                "nonce": b64encode(self.nonce),
                "ciphertext": b64encode(self.ciphertext),
                "certificate_pem": self.certificate_pem,
                "chain_pem": list(self.chain_pem),
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, s: str | bytes) -> Keystore:
        """Strict parse: known version, exactly the known fields, valid and consistent values."""
        try:
            data = json.loads(s)
        except (ValueError, TypeError) as exc:
            raise KeystoreError("keystore is not valid JSON") from exc
        if not isinstance(data, dict):
            raise KeystoreError("keystore must be a JSON object")
        if "version" not in data:
            raise KeystoreError("keystore has no version")
        if data["version"] != KEYSTORE_VERSION or isinstance(data["version"], bool):
            raise KeystoreError(f"unsupported keystore version {data['version']!r}")
        if set(data) != _JSON_KEYS:
            missing = sorted(_JSON_KEYS - set(data))
            unknown = sorted(set(data) - _JSON_KEYS)
            raise KeystoreError(f"keystore fields: missing {missing}, unknown {unknown}")
        if data["cipher"] != CIPHER:
            raise KeystoreError(f"unsupported cipher {data['cipher']!r}")
        chain = data["chain_pem"]
        if not isinstance(chain, list) or not all(isinstance(p, str) for p in chain):
            raise KeystoreError("chain_pem must be a list of PEM strings")
        for key in ("device_id", "serial_hex", "cert_fingerprint", "certificate_pem"):
            if not isinstance(data[key], str):
                raise KeystoreError(f"{key} must be a string")
        ks = cls(
            version=data["version"],
            device_id=data["device_id"],
            serial_hex=data["serial_hex"],
            kdf=KdfParams.from_dict(data["kdf"]),
            nonce=b64decode(data["nonce"], "nonce"),
            ciphertext=b64decode(data["ciphertext"], "ciphertext"),
            certificate_pem=data["certificate_pem"],
            chain_pem=list(chain),
            cert_fingerprint=data["cert_fingerprint"],
        )
        ks.validate()
        return ks


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def seal(
    private_key_pkcs8_der: bytes,
    password_key: bytes,
    share: bytes,
    device_id: str,
    serial_hex: str,
    certificate_pem: str,
    chain_pem: list[str],
    params: KdfParams,
) -> Keystore:
    """Encrypt the private key under K = HKDF(P || S, device id, serial) into a new envelope.

    The certificate must carry the given serial and the private key's public key.
    """
    check_params(params)
    _check_password_key(password_key, params)
    _check_share(share)
    _check_device_id(device_id)
    serial = normalize_serial_hex(serial_hex)
    cert = _load_cert(certificate_pem, "certificate_pem")
    if format(cert.serial_number, "x") != serial:
        raise KeystoreError("certificate serial does not match serial_hex")
    if not isinstance(chain_pem, list):
        raise KeystoreError("chain_pem must be a list")
    for pem in chain_pem:
        _load_cert(pem, "chain_pem")
    key = load_private_key(private_key_pkcs8_der)
    if _spki(key.public_key()) != _spki(cert.public_key()):
        raise KeystoreError("the private key does not belong to the certificate")
    ks = Keystore(
        version=KEYSTORE_VERSION,
        device_id=device_id,
        serial_hex=serial,
        kdf=params,
        nonce=secrets.token_bytes(GCM_NONCE_BYTES),
        ciphertext=b"",
        certificate_pem=certificate_pem,
        chain_pem=list(chain_pem),
        cert_fingerprint=_fingerprint(cert),
    )
    envelope_key = derive_envelope_key(password_key, share, device_id, serial)
    ks.ciphertext = AESGCM(envelope_key).encrypt(ks.nonce, _pkcs8(key), ks.aad())
    return ks


def reseal(
    ks: Keystore, private_key_pkcs8_der: bytes, password_key: bytes, share: bytes, params: KdfParams
) -> Keystore:
    """Seal the same key and certificate chain again (password change: new P, new S, new salt)."""
    return seal(
        private_key_pkcs8_der,
        password_key,
        share,
        ks.device_id,
        ks.serial_hex,
        ks.certificate_pem,
        list(ks.chain_pem),
        params,
    )


def open_keystore(ks: Keystore, password_key: bytes, share: bytes, device_id: str) -> bytes:
    """Decrypt the envelope; returns the PKCS#8 DER private key.

    Raises KeystoreError if the envelope is malformed or belongs to another device, and
    KeystoreLocked (a KeystoreError) if authentication fails: wrong P, wrong S, or tampering.
    """
    if not isinstance(ks, Keystore):
        raise KeystoreError("expected a Keystore")
    ks.validate()
    _check_device_id(device_id)
    if device_id != ks.device_id:
        raise KeystoreError("this keystore belongs to another device")
    _check_password_key(password_key, ks.kdf)
    _check_share(share)
    envelope_key = derive_envelope_key(password_key, share, device_id, ks.serial_hex)
    try:
        der = AESGCM(envelope_key).decrypt(ks.nonce, ks.ciphertext, ks.aad())
    except InvalidTag as exc:
        raise KeystoreLocked("keystore cannot be opened: wrong password, wrong share, or tampered") from exc
    key = load_private_key(der)
    if _spki(key.public_key()) != _spki(ks.certificate().public_key()):
        raise KeystoreError("the decrypted key does not belong to the certificate")
    return der
