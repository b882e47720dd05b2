"""Structured logs: one JSON object per line, each with the request id of the work it belongs to.

The request id lives in a context variable: set per HTTP request (api/request_id.py), per Socket.IO event
(realtime/namespaces.py) and per PDF worker job (the pool sends it along). The formatter scrubs anything
that looks like a secret; the real protection is that no log call is handed one.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("signer_request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

REDACTED = "[redacted]"
SECRET_KEYS = ("password", "passwd", "secret", "share", "token", "cookie", "authorization", "nonce",
               "response", "signature", "api_key", "apikey", "private")
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?[\w-]*(?:""" + "|".join(SECRET_KEYS)
    + r""")[\w-]*["']?\s*[:=]\s*)(?P<value>"[^"]*"|'[^']*'|[^\s,;&}]+)""", re.IGNORECASE)
_HEADER = re.compile(r"(?P<key>\b(?:cookie|set-cookie|authorization)\b\s*:\s*)(?P<value>[^\r\n]+)", re.IGNORECASE)
_HEX_RUN = re.compile(r"\b[0-9a-fA-F]{32,}\b")
# Random tokens mix digits, upper and lower case; words and paths rarely do. URL-safe runs of 32+ (no "/"),
# standard base64 runs of 40+ (may hold "/", but then no "-" or "_", which paths have).
_MIXED = r"(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[A-Z])"
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/_=-])" + _MIXED + r"(?:[A-Za-z0-9+_-]{32,}|[A-Za-z0-9+/]{40,})={0,2}"
                      r"(?![A-Za-z0-9+/_-])")
# A hex or base64 run above needs 32 characters in a row from this set: a line without such a stretch skips both.
_LONG_RUN = re.compile(r"[A-Za-z0-9+/_-]{32}")
# Record attributes every LogRecord has; anything else came in through ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def sane_request_id(candidate: str | None) -> str:
    """The caller's id when it is short and plain (a load balancer's), else a fresh one."""
    return candidate if candidate and _SANE_ID.match(candidate) else new_request_id()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def redact(text: str) -> str:
    """Scrub secret-looking values: ``password=…``, JSON ``"token": "…"``, Cookie/Authorization headers,
    long hex or base64 runs (keys, tokens, shares, cookies)."""
    if ":" in text or "=" in text:  # a header or a key=value needs one of them
        text = _HEADER.sub(lambda m: m["key"] + REDACTED, text)
        text = _KEY_VALUE.sub(lambda m: m["key"] + REDACTED, text)
    if _LONG_RUN.search(text):
        text = _HEX_RUN.sub(REDACTED, text)
        text = _B64_RUN.sub(REDACTED, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if any(word in key.lower() for word in SECRET_KEYS):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", ...extra fields, "exc"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in body:
                body[key] = _redact_value(key, value)
        if record.exc_info:
            body["exc"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            body["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(body, ensure_ascii=False, default=str)


_HANDLER_MARK = "_signer_json"
# Chatty libraries: the access log is replaced by signer.request's lines (path without query string, with
# the request id); font subsetting reports every table.
QUIET = ("geventwebsocket.handler", "fontTools")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """Send every logger's records to stderr as JSON lines (idempotent: replaces its own earlier handler,
    leaves others, such as a test runner's, alone)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    logging.captureWarnings(True)
