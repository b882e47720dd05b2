"""Issue 8: JSON log lines with the request id, and the last-resort scrubbing of secret-looking values."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets

from signer.core.logging_setup import JsonFormatter, configure_logging, redact, reset_request_id, set_request_id


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


def test_a_secret_in_the_url_path_is_not_logged(tmp_path, caplog):
    from tests.lifecycle_helpers import lifecycle_app

    app, services = lifecycle_app(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    handoff = secrets.token_urlsafe(32)
    with caplog.at_level(logging.INFO, logger="signer.request"):
        app.test_client().get(f"/sign/handoff/{handoff}")
    services.db.dispose()
    lines = [r for r in caplog.records if r.name == "signer.request"]
    assert lines and lines[-1].path == "/sign/handoff/<token>"
    assert handoff not in caplog.text


def test_database_errors_do_not_carry_the_bound_values(tmp_path):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from signer.accounts.enums import Role
    from signer.accounts.models import Account
    from tests.helpers import provision

    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    secret_hash = "scrypt$" + secrets.token_hex(20)
    with pytest.raises(IntegrityError) as failed, services.db.write() as s:
        s.add(Account(enterprise_id=None, username="admin", display_name="dup", role=Role.REVIEWER,
                      password_hash=secret_hash))
        s.flush()
    services.db.dispose()
    assert "UNIQUE" in str(failed.value) and secret_hash not in str(failed.value)
