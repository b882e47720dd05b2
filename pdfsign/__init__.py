"""PDF work for scan-to-sign: inspect uploads, create seal fields, two-half remote signing, validation.

A pure library: it imports neither Flask nor the server packages. The private key lives on the phone;
see :mod:`pdfsign.remote` for how a signature is split around it.
"""

from .errors import PdfRejected, PreparedStateInvalid, SignatureValueInvalid
from .inspect import PdfInfo, check_placement, inspect_pdf
from .placements import SealPlacement, add_signature_fields
from .remote import (
    DEFAULT_BYTES_RESERVED,
    PreparedRound,
    finish_round,
    prepare_round,
    verify_signature_value,
)
from .stamps import StampText, text_stamp_style
from .validate import SignatureReport, all_valid, validate_pdf

__all__ = [
    "DEFAULT_BYTES_RESERVED",
    "PdfInfo",
    "PdfRejected",
    "PreparedRound",
    "PreparedStateInvalid",
    "SealPlacement",
    "SignatureReport",
    "SignatureValueInvalid",
    "StampText",
    "add_signature_fields",
    "all_valid",
    "check_placement",
    "finish_round",
    "inspect_pdf",
    "prepare_round",
    "text_stamp_style",
    "validate_pdf",
    "verify_signature_value",
]
