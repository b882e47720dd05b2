"""The one exception type of the reference APP client."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A refusal: from the server (HTTP error body or Socket.IO acknowledgement) or a local check.

    `code` is the machine-readable error code (the server's, or a local one such as `weak_password`,
    `no_keystore`, `no_qr_code`), `message` a text for people (Chinese), `details` a dict, and
    `status` the HTTP status when the refusal came from an HTTP answer, else None.
    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None,
                 status: int | None = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details) if isinstance(details, dict) else {}
        self.status = status

    @classmethod
    def from_error_body(cls, error: Any, status: int | None = None) -> AppError:
        """Build from the protocol's error object `{code, message, details}` (tolerant of omissions)."""
        if not isinstance(error, dict):
            return cls("protocol_error", "服务器返回了无法识别的错误", {"error": error}, status)
        code = error.get("code")
        message = error.get("message")
        details = error.get("details")
        return cls(
            code if isinstance(code, str) and code else "error",
            message if isinstance(message, str) and message else "服务器拒绝了请求",
            details if isinstance(details, dict) else {},
            status,
        )

    @property
    def remaining(self) -> int | None:
        """Attempts left before the certificate freezes (`wrong_password`), when the server said so."""
        value = self.details.get("remaining")
        return value if isinstance(value, int) and not isinstance(value, bool) else None
