"""Schemas of the socket events (docs/protocol.md) and the acknowledgement envelope."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields, validate

from api.schemas.common import Base64Bytes, Schema
from signer.core.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

SESSION_ID = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,32}$"))


class JoinEvent(Schema):
    session_id = SESSION_ID


class ScanEvent(Schema):
    payload = fields.Str(required=True, validate=validate.Length(min=1, max=300))


class ApproveEvent(Schema):
    session_id = SESSION_ID
    challenge_id = fields.Int(required=True, strict=True)
    response = Base64Bytes(required=True, max_bytes=64)


class SignRoundEvent(Schema):
    session_id = SESSION_ID
    position = fields.Int(required=True, strict=True, validate=validate.Range(min=0, max=9))
    signature = Base64Bytes(required=True, max_bytes=1024)


class RejectEvent(Schema):
    session_id = SESSION_ID


# Built once: a schema instance keeps no state between loads, and building one binds (copies) every field.
JOIN, SCAN, APPROVE, SIGN_ROUND, REJECT = JoinEvent(), ScanEvent(), ApproveEvent(), SignRoundEvent(), RejectEvent()


def ack(schema: Schema, data: Any, action: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """Validate, run, and wrap the outcome as ``{ok, result}`` or ``{ok: false, error}``."""
    try:
        parsed = schema.load(data if isinstance(data, dict) else {})
        return {"ok": True, "result": action(parsed)}
    except ValidationError as exc:
        return {"ok": False, "error": {"code": ErrorCode.VALIDATION_FAILED, "message": "请求参数有误",
                                       "details": exc.messages}}
    except DomainError as exc:
        return {"ok": False, "error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    except Exception:
        log.exception("socket event failed")
        return {"ok": False, "error": {"code": ErrorCode.INTERNAL, "message": "服务器内部错误", "details": {}}}
