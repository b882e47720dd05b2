"""The request id of an HTTP request: the caller's sane ``X-Request-ID`` or a fresh one, set for the
request's log lines and PDF jobs, returned in the response, and one log line per request."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from signer.core.logging_setup import SECRET_KEYS, reset_request_id, sane_request_id, set_request_id

HEADER = "X-Request-ID"
log = logging.getLogger("signer.request")


def loggable_path() -> str:
    """The path, or the route's pattern when a path argument is a secret (``/sign/handoff/<token>``)."""
    names = request.view_args or {}
    if request.url_rule is not None and any(word in name.lower() for name in names for word in SECRET_KEYS):
        return request.url_rule.rule
    return request.path


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_id = sane_request_id(request.headers.get(HEADER))
        g.request_id_token = set_request_id(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            resp.headers[HEADER] = request_id
            if not request.path.startswith("/socket.io"):  # socket events log their own lines
                path = loggable_path()
                log.info("%s %s %s", request.method, path, resp.status_code, extra={
                    "method": request.method, "path": path, "status": resp.status_code,
                    "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
                    "ip": request.remote_addr or ""})
        return resp

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)
