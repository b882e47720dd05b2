"""Issue 10: one sealing of secrets at rest (SecretBox). CA keys written in the CA's first format (``SGCK``,
by ``signer init`` before the box sealed CA keys) stay readable; new ones are bound to their row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update

from signer.ca.models import CaKey
from signer.ca.service import CertificateAuthority
from signer.core.secretbox import SecretBox, UnsealError
from tests.helpers import provision

MASTER = bytes(range(32))


def legacy_blob(key: ec.EllipticCurvePrivateKey, master: bytes) -> bytes:
    """What the old ``pki.encrypt_private_key`` wrote: b"SGCK" || 1 || nonce || AES-256-GCM(PKCS#8), header AAD."""
    header = b"SGCK\x01"
    nonce = os.urandom(12)
    wrapping = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"signer ca key at rest").derive(master)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return header + nonce + AESGCM(wrapping).encrypt(nonce, der, header)


def test_an_old_format_ca_key_blob_opens():
    key = ec.generate_private_key(ec.SECP256R1())
    restored = SecretBox(MASTER).open_private_key(legacy_blob(key, MASTER), "issuing")
    assert restored.private_numbers() == key.private_numbers()
    with pytest.raises(UnsealError, match="wrong master key"):
        SecretBox(bytes(32)).open_private_key(legacy_blob(key, MASTER), "issuing")


def test_a_sealed_ca_key_does_not_open_as_another_row():
    box = SecretBox(MASTER)
    blob = box.seal_private_key(ec.generate_private_key(ec.SECP256R1()), "ocsp")
    assert not blob.startswith(b"SGCK")
    with pytest.raises(UnsealError):
        box.open_private_key(blob, "issuing")


def test_a_ca_whose_keys_were_stored_in_the_old_format_still_signs(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    try:
        master = services.ca._box._master
        before = {name: services.ca.pair(name) for name in ("root", "issuing", "ocsp", "tsa")}
        with services.db.write() as s:
            for name, pair in before.items():
                s.execute(update(CaKey).where(CaKey.name == name)
                          .values(private_key_enc=legacy_blob(pair.private_key, master)))
        with services.db.read() as s:
            assert all(row.private_key_enc.startswith(b"SGCK") for row in s.scalars(select(CaKey)))
        reopened = CertificateAuthority(services.db, SecretBox(master), services.config.base_url)
        for name, pair in before.items():
            assert reopened.pair(name).private_key.private_numbers() == pair.private_key.private_numbers()
        assert reopened.crl_der()  # signed with the issuing key read from the old blob
    finally:
        services.db.dispose()
