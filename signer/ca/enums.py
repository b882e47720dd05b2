"""Revocation reasons (RFC 5280 subset)."""

from __future__ import annotations

import enum


class RevocationReason(enum.StrEnum):
    """RFC 5280 reasons we publish; never unspecified nor certificateHold (freeze is a keystore lock)."""

    KEY_COMPROMISE = "key_compromise"
    AFFILIATION_CHANGED = "affiliation_changed"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation_of_operation"
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"
