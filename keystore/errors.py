"""Exceptions raised by the keystore package."""

from __future__ import annotations


class KeystoreError(Exception):
    """The keystore or a protocol value is malformed, inconsistent or refused."""


class KeystoreLocked(KeystoreError):
    """The envelope could not be opened with the given secrets.

    Raised when AES-GCM authentication fails: a wrong password key, a wrong or missing server
    share, another device id, or a tampered header or ciphertext. These cases are deliberately
    indistinguishable.
    """


class WeakPassword(KeystoreError, ValueError):
    """The signing password does not satisfy the password rules (message in Chinese)."""
