"""Typed errors raised by :mod:`pdfsign`.

Callers (the API layer) translate them to HTTP answers; ``PdfRejected.code`` is stable and meant for
machines, the message is meant for people.
"""

from __future__ import annotations


class PdfRejected(ValueError):
    """The uploaded document, or a request about it, cannot be accepted.

    Codes: ``not_pdf``, ``too_large``, ``unreadable``, ``encrypted``, ``locked`` (a certification signature
    forbids any change), ``decompression_bomb`` (streams inflate far beyond the file's size),
    ``active_content`` (JavaScript, /AA, XFA, /Launch, ...), ``too_complex`` (the job ran out of time or
    memory), ``bad_placement``, ``field_exists``, ``no_such_field``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"PdfRejected(code={self.code!r}, message={self.message!r})"


class SignatureValueInvalid(ValueError):
    """The signature value returned by the phone does not verify against the signer's certificate."""


class PreparedStateInvalid(ValueError):
    """A persisted :class:`~pdfsign.remote.PreparedRound` is inconsistent, corrupt or used with the wrong
    certificate, or the CMS does not fit the space reserved for it."""
