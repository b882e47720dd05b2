"""Typed domain errors; the HTTP and socket layers translate them (code → status)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is stable and machine-readable, the message is shown to people."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """An illegal or lost state transition: nothing was changed."""

    code = "conflict"


class Gone(DomainError):
    code = "expired"


class TooLarge(DomainError):
    code = "too_large"


class Unprocessable(DomainError):
    code = "unprocessable"


class RateLimited(DomainError):
    code = "rate_limited"
