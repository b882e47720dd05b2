"""Issue 8: JSON log lines with the request id, and the last-resort scrubbing of secret-looking values."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets

from signer.logging_setup import JsonFormatter, configure_logging, redact, reset_request_id, set_request_id


def _line(record_args: dict, msg: str = "hello %s", args: tuple = ("world",)) -> dict:
    logger = logging.getLogger("test.ops")
    record = logger.makeRecord("test.ops", logging.INFO, __file__, 1, msg, args, None, extra=record_args)
    return json.loads(JsonFormatter().format(record))


def test_a_line_is_one_json_object_with_the_current_request_id():
    token = set_request_id("req-123")
    try:
        line = _line({"op": "prepare_round", "duration_ms": 3.5})
    finally:
        reset_request_id(token)
    assert line["msg"] == "hello world" and line["level"] == "INFO" and line["logger"] == "test.ops"
    assert line["request_id"] == "req-123" and line["op"] == "prepare_round" and line["duration_ms"] == 3.5
    assert line["ts"].endswith("+00:00")


def test_secret_fields_and_values_are_scrubbed():
    share = base64.b64encode(secrets.token_bytes(32)).decode()
    token = secrets.token_urlsafe(32)
    line = _line({"password": "Demo-Pass-2026", "headers": {"Cookie": "session=abc", "Accept": "text/html"},
                  "note": f"share {share}"}, msg="login %s with %s", args=("admin", f"Authorization: Bearer {token}"))
    text = json.dumps(line)
    for secret in ("Demo-Pass-2026", "session=abc", share, token):
        assert secret not in text
    assert line["headers"]["Accept"] == "text/html" and line["msg"].startswith("login admin with Authorization:")


def test_redact_keeps_ordinary_text():
    assert redact('password="hunter2!" user=admin') == 'password=[redacted] user=admin'
    assert redact("nonce: 0123456789abcdef0123456789abcdef01") == "nonce: [redacted]"
    plain = "GET /api/v1/signing-sessions/AbCdEf1234567890123456/signed.pdf 200 /usr/lib/python3.11/site-packages"
    assert redact(plain) == plain


def test_exceptions_are_one_line_and_scrubbed():
    stream = io.StringIO()
    configure_logging(stream=stream)
    secret = secrets.token_urlsafe(32)
    try:
        raise ValueError(f"bad token {secret}")
    except ValueError:
        logging.getLogger("test.ops").exception("failed")
    finally:
        configure_logging()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert "ValueError" in line["exc"] and secret not in lines[0]
