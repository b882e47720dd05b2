"""Typed domain errors; the HTTP and socket layers translate them (code → status)."""

from __future__ import annotations

from signer.core.error_codes import ErrorCode

__all__ = [
    "Conflict", "DomainError", "ErrorCode", "Forbidden", "Gone", "NotAuthenticated", "NotFound", "RateLimited",
    "TooLarge", "Unprocessable", "ValidationFailed",
]


class DomainError(Exception):
    """Base class: ``code`` is stable and machine-readable, the message is shown to people."""

    code: ErrorCode | str = ErrorCode.ERROR

    def __init__(self, message: str, *, code: ErrorCode | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION_FAILED


class NotAuthenticated(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    """An illegal or lost state transition: nothing was changed."""

    code = ErrorCode.CONFLICT


class Gone(DomainError):
    code = ErrorCode.EXPIRED


class TooLarge(DomainError):
    code = ErrorCode.TOO_LARGE


class Unprocessable(DomainError):
    code = ErrorCode.UNPROCESSABLE


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
