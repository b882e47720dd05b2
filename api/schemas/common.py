"""Wire building blocks shared by every noun: bytes as base64, the error body, challenges, ids, SMS codes."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, validate

# marshmallow's English default messages → what a person reads (explicit messages of a field stay as given).
FIELD_MESSAGES = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Invalid value.": "取值无效",
    "Invalid type.": "格式错误",
    "Invalid input.": "取值无效",
    "Not a valid list.": "应为列表",
    "Not a valid tuple.": "应为列表",
    "Not a valid string.": "应为文本",
    "Not a valid utf-8 string.": "应为文本",
    "Not a valid number.": "应为数字",
    "Number too large.": "数值过大",
    "Not a valid integer.": "应为整数",
    "Special numeric values (nan or infinity) are not permitted.": "应为数字",
    "Not a valid boolean.": "应为是或否",
    "Not a valid {obj_type}.": "日期时间格式错误",
    "Not a valid {awareness} {obj_type}.": "日期时间格式错误",
    "Not a valid date.": "日期格式错误",
    "Not a valid period of time.": "时长格式错误",
    "Not a valid mapping type.": "格式错误",
    "Not a valid URL.": "网址格式错误",
    "Not a valid email address.": "邮箱格式错误",
    "Not a valid UUID.": "格式错误",
    "Must be one of: {choices}.": "请选择有效的选项",
    '"{input}" cannot be formatted as a {obj_type}.': "日期时间格式错误",
    '"{input}" cannot be formatted as a date.': "日期格式错误",
    "{input!r} cannot be formatted as a timedelta.": "时长格式错误",
    "Not a valid IP address.": "IP地址格式错误",
    "Not a valid IPv4 address.": "IP地址格式错误",
    "Not a valid IPv6 address.": "IP地址格式错误",
}
_VALIDATOR_MESSAGES: dict[type[validate.Validator], str] = {
    validate.OneOf: "请选择有效的选项",
    validate.Regexp: "格式不正确",
    validate.Email: "邮箱格式错误",
    validate.URL: "网址格式错误",
    validate.Equal: "取值无效",
    validate.NoneOf: "取值无效",
    validate.Predicate: "取值无效",
}


def _length_message(v: validate.Length, unit: str) -> str:
    if v.equal is not None:
        return f"长度应为{{equal}}{unit}"
    if v.min is not None and v.max is not None:
        return f"长度应为{{min}}至{{max}}{unit}"
    return f"长度至少为{{min}}{unit}" if v.min is not None else f"长度不能超过{{max}}{unit}"


def _range_message(v: validate.Range) -> str:
    low = "" if v.min is None else ("不能小于{min}" if v.min_inclusive else "应大于{min}")
    high = "" if v.max is None else ("不能大于{max}" if v.max_inclusive else "应小于{max}")
    if low and high and v.min_inclusive and v.max_inclusive:
        return "应在{min}到{max}之间"
    return "，".join(m for m in (low, high) if m)


def _chinese(field: fields.Field) -> None:
    """Put Chinese in place of marshmallow's default messages of ``field``, its validators and inner fields."""
    for key, message in field.error_messages.items():
        if message in FIELD_MESSAGES:
            field.error_messages[key] = FIELD_MESSAGES[message]
    unit = "项" if isinstance(field, fields.List | fields.Tuple | fields.Mapping) else "个字符"
    for v in field.validators:
        if isinstance(v, validate.Length | validate.Range):
            if v.error is None:
                v.error = _length_message(v, unit) if isinstance(v, validate.Length) else _range_message(v)
        elif getattr(v, "error", None) == getattr(v, "default_message", None):  # these store their default
            chinese = next((m for cls, m in _VALIDATOR_MESSAGES.items() if isinstance(v, cls)), None)
            if chinese:
                v.error = chinese  # type: ignore[attr-defined]
    inner: list[fields.Field | None] = []
    if isinstance(field, fields.List):
        inner.append(field.inner)
    elif isinstance(field, fields.Tuple):
        inner.extend(field.tuple_fields)
    elif isinstance(field, fields.Mapping):
        inner.extend((field.key_field, field.value_field))
    for each in inner:
        if each is not None:
            _chinese(each)


class Schema(marshmallow.Schema):
    """Every schema of the API: a person reads Chinese messages, whichever field or validator failed."""

    error_messages = {"type": "格式错误", "unknown": "不支持的字段"}  # noqa: RUF012 (marshmallow reads it per class)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _chinese(field_obj)


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
