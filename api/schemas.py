"""Request and response schemas (marshmallow); the OpenAPI document is generated from them."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from signer.seals.enums import SealKind
from signer.signing.enums import SESSION_STATUS_LABELS, PadesLevel, SessionStatus


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


class CertificateSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    status = fields.Str()
    status_label = fields.Str()
    serial = fields.Str(allow_none=True)
    subject = fields.Str(allow_none=True)
    not_before = fields.DateTime(allow_none=True)
    not_after = fields.DateTime(allow_none=True)
    usage_count = fields.Int()
    remaining = fields.Int()
    bound_account = fields.Str(allow_none=True)
    bound_name = fields.Str(allow_none=True)
    kind_label = fields.Str()
    contact_phone = fields.Str(allow_none=True)
    predecessor_id = fields.Int(allow_none=True, metadata={"description": "the certificate this one replaces"})
    install = fields.Str(allow_none=True, metadata={
        "description": "for 待下载: download (new key + CSR) or same_key (install-challenge + install)"})


class CertificateListSchema(Schema):
    items = fields.List(fields.Nested(CertificateSchema))


class DownloadSchema(Schema):
    csr = Base64Bytes(required=True, max_bytes=8192)
    verifier = Base64Bytes(required=True, max_bytes=64)


class DownloadResultSchema(Schema):
    certificate_pem = fields.Str()
    chain_pem = fields.List(fields.Str())
    share = Base64Bytes()
    serial = fields.Str()


class ChallengeSchema(Schema):
    id = fields.Int()
    nonce = Base64Bytes()


class ChallengeResultSchema(Schema):
    challenge = fields.Nested(ChallengeSchema)


def challenge_reply(challenge: Any) -> dict[str, Any]:
    """The answer that hands out an unlock challenge (password change, install, KEY PIN)."""
    return ChallengeResultSchema().dump({"challenge": {"id": challenge.id, "nonce": challenge.nonce}})


class ChangePasswordSchema(Schema):
    challenge_id = fields.Int(required=True, strict=True)
    response = Base64Bytes(required=True, max_bytes=64)
    new_verifier = Base64Bytes(required=True, max_bytes=64)


class ShareResultSchema(Schema):
    share = Base64Bytes()
    old_share = Base64Bytes(metadata={"description": "only from the password change: to open the old keystore"})


# -- signing sessions ------------------------------------------------------------------------------
class PlacementSchema(Schema):
    seal = fields.Enum(SealKind, by_value=True, load_default=SealKind.COMPANY)
    page = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=10000))
    x = fields.Float(required=True, validate=validate.Range(min=0, max=20000))
    y = fields.Float(required=True, validate=validate.Range(min=0, max=20000))
    width = fields.Float(load_default=160.0, validate=validate.Range(min=20, max=2000))
    height = fields.Float(load_default=80.0, validate=validate.Range(min=20, max=2000))


class CreateSessionSchema(Schema):
    """The form fields next to the uploaded ``file`` (multipart)."""

    title = fields.Str(load_default="", validate=validate.Length(max=200))
    placements = fields.List(fields.Nested(PlacementSchema), load_default=None,
                             validate=validate.Length(min=1, max=10))
    pades_level = fields.Enum(PadesLevel, by_value=True, load_default=PadesLevel.B_B)
    signer_account_id = fields.Int(load_default=None, allow_none=True, strict=True)


class SealViewSchema(Schema):
    seal = fields.Str()
    label = fields.Str()
    page = fields.Int()
    x = fields.Float()
    y = fields.Float()
    width = fields.Float()
    height = fields.Float()
    field_name = fields.Str()


SIGNED_PDF_PATH = "/api/v1/signing-sessions/{}/signed.pdf"  # api.views.signing_api.signed_pdf


class SessionStateSchema(Schema):
    """A signing session as the PC sees it, over HTTP and Socket.IO alike (dumps SigningService.state)."""

    id = fields.Str()
    status = fields.Str()
    status_label = fields.Method("_status_label", metadata={"type": "string"})
    title = fields.Str()
    page_count = fields.Int()
    document_sha256 = fields.Str()
    confirmation_code = fields.Str()
    pades_level = fields.Str()
    expires_at = fields.Str()
    scanned_by = fields.Dict(allow_none=True)
    seals = fields.List(fields.Nested(SealViewSchema))
    current_round = fields.Int()
    failure = fields.Str(allow_none=True)
    signed = fields.Bool()
    download_url = fields.Method("_download_url", allow_none=True, metadata={"type": "string"})

    def _status_label(self, state: dict[str, Any]) -> str:
        return SESSION_STATUS_LABELS[SessionStatus(state["status"])]

    def _download_url(self, state: dict[str, Any]) -> str | None:
        return SIGNED_PDF_PATH.format(state["id"]) if state["status"] == SessionStatus.SIGNED else None


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
