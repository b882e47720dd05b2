"""The one sealing of secrets at rest: AES-256-GCM under a key derived from the instance master key.

A blob is ``version(1) || nonce(12) || ciphertext+tag``; the key is HKDF(master, "signer/at-rest/<purpose>")
and the caller's context (e.g. which certificate and device, which CA key) is the associated data, so a blob
copied to another row or purpose does not open. CA private keys are sealed here too (purpose ``ca-key``).
Blobs of the CA's first format (``SGCK`` header, written by ``signer init`` before this box sealed CA keys)
are still opened, so existing instances need no migration.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_LEN = 12
CA_KEY = "ca-key"
# The CA keys' first format: b"SGCK" || 0x01 || nonce(12) || AES-256-GCM(PKCS#8 DER), header as AAD,
# key HKDF(master, "signer ca key at rest"). Read only.
_LEGACY_CA_HEADER = b"SGCK\x01"
_LEGACY_CA_INFO = b"signer ca key at rest"


class UnsealError(ValueError):
    """A sealed blob could not be opened: wrong master key, corrupted, or an unknown format."""


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) < 32:
            raise ValueError("master key must be at least 32 bytes")
        self._master = master_key

    def _derive(self, info: bytes) -> AESGCM:
        return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._master))

    def _key(self, purpose: str) -> AESGCM:
        return self._derive(f"signer/at-rest/{purpose}".encode())

    def seal(self, plaintext: bytes, purpose: str, context: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE_LEN)
        return _VERSION + nonce + self._key(purpose).encrypt(nonce, plaintext, context)

    def open(self, blob: bytes, purpose: str, context: bytes = b"") -> bytes:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown sealed blob version")
        return self._key(purpose).decrypt(blob[1:13], blob[13:], context)

    # -- CA private keys -----------------------------------------------------------------------
    def seal_private_key(self, key: ec.EllipticCurvePrivateKey, name: str) -> bytes:
        """The PKCS#8 key of CA row ``name`` (root, issuing, ocsp, tsa, a service certificate)."""
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return self.seal(der, CA_KEY, name.encode())

    def open_private_key(self, blob: bytes, name: str) -> ec.EllipticCurvePrivateKey:
        """The key of CA row ``name``, from this box's format or the CA's first one (``SGCK``)."""
        try:
            if blob.startswith(_LEGACY_CA_HEADER):
                nonce = blob[len(_LEGACY_CA_HEADER):len(_LEGACY_CA_HEADER) + _NONCE_LEN]
                der = self._derive(_LEGACY_CA_INFO).decrypt(
                    nonce, blob[len(_LEGACY_CA_HEADER) + _NONCE_LEN:], _LEGACY_CA_HEADER)
            elif blob[:1] == _VERSION:
                der = self.open(blob, CA_KEY, name.encode())
            else:
                raise UnsealError("unknown sealed key blob version")
        except InvalidTag:
            raise UnsealError("cannot decrypt CA private key: wrong master key or corrupted data") from None
        key = serialization.load_der_private_key(der, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise UnsealError("decrypted key is not an EC private key")
        return key
