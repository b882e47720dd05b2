"""Reference APP client: the phone's side of the signing protocol, as a library and a command line.

It speaks only the public protocol (`docs/protocol.md`) and uses the `keystore` package for the
per-device key envelope. See README.md in this directory.
"""

from .client import AppClient, build_csr, check_issued_certificate, decode_qr_image
from .errors import AppError
from .storage import Storage

__all__ = ["AppClient", "AppError", "Storage", "build_csr", "check_issued_certificate", "decode_qr_image"]
