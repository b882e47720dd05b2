"""Password KDF (scrypt), its stored parameters, and the protocol's MAC/HKDF primitives."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import KeystoreError

SCRYPT = "scrypt"

# Minimum accepted parameters: a keystore that stores anything weaker is refused before deriving.
MIN_N = 2**17
MIN_R = 8
MIN_P = 1
MIN_DKLEN = 32
MIN_SALT_BYTES = 16
# Upper bounds: a tampered file must not make the phone allocate gigabytes or spin for minutes.
MAX_N = 2**20
MAX_R = 16
MAX_P = 4
MAX_DKLEN = 64
MAX_SALT_BYTES = 64
MAX_SCRYPT_MEMORY = 512 * 1024 * 1024  # 128 * n * r bytes

DEFAULT_N = 2**17
DEFAULT_R = 8
DEFAULT_P = 1
DEFAULT_DKLEN = 32
DEFAULT_SALT_BYTES = 16

VERIFY_LABEL = b"signer/keystore/verify/v1"
UNLOCK_LABEL = b"signer/keystore/unlock/v1|"
KEY_INFO_PREFIX = b"signer/keystore/v1|"

VERIFIER_BYTES = 32
NONCE_BYTES = 32
SHARE_BYTES = 32
KEY_BYTES = 32

_PARAM_KEYS = frozenset({"algorithm", "n", "r", "p", "salt", "dklen"})


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeystoreError(f"{what}: expected a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise KeystoreError(f"{what}: invalid base64") from exc


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class KdfParams:
    """Parameters of the password KDF, stored (and authenticated) in the keystore header."""

    algorithm: str = SCRYPT
    n: int = DEFAULT_N
    r: int = DEFAULT_R
    p: int = DEFAULT_P
    salt: bytes
    dklen: int = DEFAULT_DKLEN

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "n": self.n,
            "r": self.r,
            "p": self.p,
            "salt": b64encode(self.salt),
            "dklen": self.dklen,
        }

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        """Strict parse: exactly the known keys, correct types. Does not judge strength (see check_params)."""
        if not isinstance(data, dict):
            raise KeystoreError("kdf: expected an object")
        if set(data) != _PARAM_KEYS:
            raise KeystoreError(f"kdf: expected keys {sorted(_PARAM_KEYS)}, got {sorted(data)}")
        if not isinstance(data["algorithm"], str):
            raise KeystoreError("kdf.algorithm: expected a string")
        for key in ("n", "r", "p", "dklen"):
            if not _is_int(data[key]):
                raise KeystoreError(f"kdf.{key}: expected an integer")
        return cls(
            algorithm=data["algorithm"],
            n=data["n"],
            r=data["r"],
            p=data["p"],
            salt=b64decode(data["salt"], "kdf.salt"),
            dklen=data["dklen"],
        )


def new_kdf_params() -> KdfParams:
    """Default parameters with a fresh random salt."""
    return KdfParams(salt=secrets.token_bytes(DEFAULT_SALT_BYTES))


def check_params(params: KdfParams) -> None:
    """Refuse parameters weaker than the minimum (or absurdly large). Raises KeystoreError."""
    if not isinstance(params, KdfParams):
        raise KeystoreError("kdf: expected KdfParams")
    if params.algorithm != SCRYPT:
        raise KeystoreError(f"kdf: unsupported algorithm {params.algorithm!r}")
    for name in ("n", "r", "p", "dklen"):
        if not _is_int(getattr(params, name)):
            raise KeystoreError(f"kdf.{name}: expected an integer")
    if not isinstance(params.salt, bytes):
        raise KeystoreError("kdf.salt: expected bytes")
    n, r, p = params.n, params.r, params.p
    if n < MIN_N or n > MAX_N or n & (n - 1):
        raise KeystoreError(f"kdf.n must be a power of two in [2**17, 2**20], got {n}")
    if r < MIN_R or r > MAX_R:
        raise KeystoreError(f"kdf.r must be in [{MIN_R}, {MAX_R}], got {r}")
    if p < MIN_P or p > MAX_P:
        raise KeystoreError(f"kdf.p must be in [{MIN_P}, {MAX_P}], got {p}")
    if 128 * n * r > MAX_SCRYPT_MEMORY:
        raise KeystoreError("kdf: n * r needs too much memory")
    if params.dklen < MIN_DKLEN or params.dklen > MAX_DKLEN:
        raise KeystoreError(f"kdf.dklen must be in [{MIN_DKLEN}, {MAX_DKLEN}], got {params.dklen}")
    if not MIN_SALT_BYTES <= len(params.salt) <= MAX_SALT_BYTES:
        raise KeystoreError(f"kdf.salt must be {MIN_SALT_BYTES}..{MAX_SALT_BYTES} bytes")


def normalize_password(password: str) -> bytes:
    """The password bytes fed to the KDF: UTF-8 of the NFC normal form."""
    if not isinstance(password, str):
        raise KeystoreError("password must be a str")
    return unicodedata.normalize("NFC", password).encode("utf-8")


def derive_password_key(password: str, params: KdfParams) -> bytes:
    """P = scrypt(NFC(password), salt, n, r, p, dklen). Checks the parameters first.

    Costs ~0.3-0.5 s and 128 MiB at the defaults; hashlib.scrypt releases the GIL, so a thread
    pool can run it off an event loop.
    """
    check_params(params)
    secret = normalize_password(password)
    maxmem = 128 * params.r * (params.n + params.p + 2) + 16 * 1024 * 1024
    return hashlib.scrypt(
        secret, salt=params.salt, n=params.n, r=params.r, p=params.p, maxmem=maxmem, dklen=params.dklen
    )


def verifier_from_key(password_key: bytes) -> bytes:
    """V = HMAC-SHA256(P, "signer/keystore/verify/v1")."""
    if not isinstance(password_key, bytes) or len(password_key) < MIN_DKLEN:
        raise KeystoreError("password key must be at least 32 bytes")
    return hmac.new(password_key, VERIFY_LABEL, hashlib.sha256).digest()


def unlock_mac(verifier: bytes, nonce: bytes) -> bytes:
    """R = HMAC-SHA256(V, "signer/keystore/unlock/v1|" || nonce). Lengths are checked by the callers."""
    return hmac.new(verifier, UNLOCK_LABEL + nonce, hashlib.sha256).digest()


def key_info(device_id: str, serial_hex: str) -> bytes:
    """HKDF info: "signer/keystore/v1|" || UTF-8(device_id) || "|" || serial_hex."""
    return KEY_INFO_PREFIX + device_id.encode("utf-8") + b"|" + serial_hex.encode("ascii")


def derive_envelope_key(password_key: bytes, share: bytes, device_id: str, serial_hex: str) -> bytes:
    """K = HKDF-SHA256(ikm = P || S, salt = none, info = key_info(device_id, serial_hex), L = 32)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=key_info(device_id, serial_hex))
    return hkdf.derive(password_key + share)
