"""Server side of the keystore protocol: pure functions; the caller stores V and S and counts failures."""

from __future__ import annotations

import hmac
import secrets

from .errors import KeystoreError
from .kdf import NONCE_BYTES, SHARE_BYTES, VERIFIER_BYTES, unlock_mac

# After this many consecutive wrong unlock responses the certificate is frozen (已冻结).
MAX_CONSECUTIVE_FAILURES = 5


def new_share() -> bytes:
    """A fresh 32-byte server share S (at enrollment and at every password change)."""
    return secrets.token_bytes(SHARE_BYTES)


def new_nonce() -> bytes:
    """A fresh 32-byte unlock challenge; the caller binds it to one signing session and uses it once."""
    return secrets.token_bytes(NONCE_BYTES)


def validate_verifier(v: bytes) -> bytes:
    """Check a verifier V sent by the phone at enrollment; returns it. Raises KeystoreError."""
    if not isinstance(v, bytes) or len(v) != VERIFIER_BYTES:
        raise KeystoreError(f"verifier must be {VERIFIER_BYTES} bytes")
    return v


def validate_share(s: bytes) -> bytes:
    """Check a stored share S; returns it. Raises KeystoreError."""
    if not isinstance(s, bytes) or len(s) != SHARE_BYTES:
        raise KeystoreError(f"share must be {SHARE_BYTES} bytes")
    return s


def expected_unlock_response(verifier: bytes, nonce: bytes) -> bytes:
    """R = HMAC-SHA256(V, "signer/keystore/unlock/v1|" || nonce)."""
    validate_verifier(verifier)
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
        raise KeystoreError(f"nonce must be {NONCE_BYTES} bytes")
    return unlock_mac(verifier, nonce)


def check_unlock_response(verifier: bytes, nonce: bytes, response: bytes) -> bool:
    """True iff response == HMAC-SHA256(V, label || nonce). Constant time; never raises."""
    if not all(isinstance(x, bytes) for x in (verifier, nonce, response)):
        return False
    if len(verifier) != VERIFIER_BYTES or len(nonce) != NONCE_BYTES:
        return False
    expected = unlock_mac(verifier, nonce)
    # compare_digest is constant time for equal lengths and returns False on a length mismatch.
    return hmac.compare_digest(expected, response)
