"""Accounts: PC and APP login, login sessions, account choices (operators of an enterprise)."""

from __future__ import annotations

from marshmallow import fields, validate

from signer.certificates.enums import CertificateKind

from .common import Schema


# -- PC auth ---------------------------------------------------------------------------------------
class LoginSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, validate=validate.Length(min=1, max=128))


class AccountSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    name = fields.Str(attribute="display_name")
    role = fields.Str()
    enterprise_id = fields.Int(allow_none=True)


class PcLoginResultSchema(Schema):
    account = fields.Nested(AccountSchema)
    csrf_token = fields.Str()


# -- APP -------------------------------------------------------------------------------------------
class AppLoginSchema(LoginSchema):
    device_id = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    device_name = fields.Str(load_default="", validate=validate.Length(max=100))


class AppLoginResultSchema(Schema):
    token = fields.Str()
    account = fields.Dict()


# -- PC login sessions (an administrator sees and ends an account's sessions) ----------------------
class LoginSessionSchema(Schema):
    id = fields.Str()
    account_id = fields.Int()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    expires_at = fields.DateTime()
    ip = fields.Str()
    user_agent = fields.Str()


class LoginSessionListSchema(Schema):
    items = fields.List(fields.Nested(LoginSessionSchema))


class EndedSessionsSchema(Schema):
    ended = fields.Int()


class AccountChoiceSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    name = fields.Str(attribute="display_name")
    phone = fields.Str()
    role = fields.Str()


class AccountChoiceListSchema(Schema):
    items = fields.List(fields.Nested(AccountChoiceSchema))


class AccountChoiceQuerySchema(Schema):
    certificate_kind = fields.Enum(CertificateKind, by_value=True, load_default=CertificateKind.MOBILE)


class OperatorListSchema(AccountChoiceListSchema):
    """H7: the operators a certificate can be bound to (no active mobile certificate)."""
