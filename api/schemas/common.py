"""Wire building blocks shared by every noun: bytes as base64, the error body, challenges, ids, SMS codes."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate


class Base64Bytes(fields.Field):
    """Standard base64 in JSON, bytes in Python."""

    def __init__(self, *, max_bytes: int = 64 * 1024, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes
        self.metadata = {"format": "byte", **self.metadata}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str) or len(value) > self.max_bytes * 4 // 3 + 4:
            raise ValidationError("需要base64字符串")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("base64格式错误") from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else base64.b64encode(value).decode()


class ErrorSchema(Schema):
    class Inner(Schema):
        code = fields.Str(required=True)
        message = fields.Str(required=True)
        details = fields.Dict()

    error = fields.Nested(Inner, required=True)


class ChallengeSchema(Schema):
    id = fields.Int()
    nonce = Base64Bytes()


class ChallengeResultSchema(Schema):
    challenge = fields.Nested(ChallengeSchema)


def challenge_reply(challenge: Any) -> dict[str, Any]:
    """The answer that hands out an unlock challenge (password change, install, KEY PIN)."""
    return ChallengeResultSchema().dump({"challenge": {"id": challenge.id, "nonce": challenge.nonce}})


def sms_code_field() -> fields.Str:
    return fields.Str(required=True, validate=validate.Regexp(r"^\d{6}$", error="请输入6位数字验证码"))


PHONE = validate.Regexp(r"^1[3-9]\d{9}$", error="请输入11位手机号")


def id_field(**kwargs: Any) -> fields.Int:
    return fields.Int(strict=True, validate=validate.Range(min=1), **kwargs)
