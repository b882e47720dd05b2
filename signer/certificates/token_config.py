"""I: where the physical KEY is made: the PKCS#11 module, the token at the production desk and its PINs.

The module path and token label come from the environment; the SO and user PINs are instance secrets
(``load_secret``: the environment in hex, else a file of the instance folder created on first use). The PINs
never appear in a repr, a log line or an error message. Development and tests use SoftHSM2 (Debian
``softhsm2``) in place of the USB KEY; its configuration and token live in the instance folder unless
``SOFTHSM2_CONF`` says otherwise (signer/certificates/softhsm.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from signer.core.config import load_secret

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"  # Debian softhsm2 (libsofthsm2)
DEFAULT_LABEL = "signer-key"


@dataclass(frozen=True)
class TokenConfig:
    module: str
    token_label: str
    so_pin: str = field(repr=False)
    user_pin: str = field(repr=False)
    instance_path: Path

    @property
    def is_softhsm(self) -> bool:
        return "softhsm" in Path(self.module).name


def load_token_config(instance_path: Path) -> TokenConfig:
    """The token of this instance: ``SIGNER_KEY_PKCS11_MODULE``, ``SIGNER_KEY_TOKEN_LABEL``, and the PINs
    (``SIGNER_KEY_SO_PIN`` / ``SIGNER_KEY_USER_PIN`` in hex, else ``key-so-pin.key`` / ``key-user-pin.key``)."""
    return TokenConfig(
        module=os.environ.get("SIGNER_KEY_PKCS11_MODULE") or SOFTHSM_MODULE,
        token_label=os.environ.get("SIGNER_KEY_TOKEN_LABEL") or DEFAULT_LABEL,
        so_pin=load_secret(instance_path, "key-so-pin", "SIGNER_KEY_SO_PIN", 12).hex(),
        user_pin=load_secret(instance_path, "key-user-pin", "SIGNER_KEY_USER_PIN", 12).hex(),
        instance_path=instance_path,
    )
