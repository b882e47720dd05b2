"""Encryption at rest with the instance master key (AES-256-GCM, HKDF-derived per purpose)."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) < 32:
            raise ValueError("master key must be at least 32 bytes")
        self._master = master_key

    def _key(self, purpose: str) -> AESGCM:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"signer/at-rest/{purpose}".encode())
        return AESGCM(key.derive(self._master))

    def seal(self, plaintext: bytes, purpose: str, context: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._key(purpose).encrypt(nonce, plaintext, context)

    def open(self, blob: bytes, purpose: str, context: bytes = b"") -> bytes:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown sealed blob version")
        return self._key(purpose).decrypt(blob[1:13], blob[13:], context)
