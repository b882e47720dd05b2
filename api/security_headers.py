"""Security headers on every response, including the ones Flask never sees.

Socket.IO's long-polling responses (``/socket.io/?EIO=4&transport=polling``) are answered by the engine.io
middleware in front of Flask, so ``after_request`` does not reach them; this WSGI wrapper sits outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any


class SecurityHeadersMiddleware:
    """Adds each header the response does not set itself (a page may set a stricter policy)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in response_headers}
            response_headers = [*response_headers,
                                *((k, v) for k, v in self.headers.items() if k.lower() not in present)]
            return start_response(status, response_headers, exc_info) if exc_info else start_response(
                status, response_headers)

        return self.app(environ, start)
