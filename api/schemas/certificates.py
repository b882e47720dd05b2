"""Certificates: lists, download to the APP, passwords, binding, KEY PIN, install, 办理记录."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from signer.applications.rules import DISPLAY_STATE_LABELS
from signer.certificates.enums import CertificateKind

from .common import Base64Bytes, id_field


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


class ChangePasswordSchema(Schema):
    challenge_id = fields.Int(required=True, strict=True)
    response = Base64Bytes(required=True, max_bytes=64)
    new_verifier = Base64Bytes(required=True, max_bytes=64)


class ShareResultSchema(Schema):
    share = Base64Bytes()
    old_share = Base64Bytes(metadata={"description": "only from the password change: to open the old keystore"})


# -- A1/A2 list ------------------------------------------------------------------------------------
class CertificateListQuerySchema(Schema):
    kind = fields.Enum(CertificateKind, by_value=True, load_default=None)
    status = fields.Str(load_default=None, validate=validate.OneOf(sorted(DISPLAY_STATE_LABELS)))
    account = fields.Str(load_default=None, validate=validate.Length(max=64))
    name = fields.Str(load_default=None, validate=validate.Length(max=100))
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Int(load_default=10, validate=validate.Range(min=1, max=100))


class CertificateRowSchema(Schema):
    number = fields.Int(metadata={"description": "序号"})
    certificate_id = fields.Int(allow_none=True)
    application_id = fields.Int(allow_none=True, metadata={"description": "the open application, if any"})
    kind = fields.Str()
    kind_label = fields.Str()
    bound_account = fields.Str(allow_none=True)
    bound_name = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    not_after = fields.DateTime(allow_none=True)
    usage_count = fields.Int(allow_none=True)
    remaining = fields.Int(allow_none=True)
    status = fields.Str()
    status_label = fields.Str()
    operations = fields.List(fields.Str())


class CertificatePageSchema(Schema):
    items = fields.List(fields.Nested(CertificateRowSchema))
    total = fields.Int(metadata={"description": "共N条"})
    page = fields.Int()
    per_page = fields.Int()


class RecordSchema(Schema):
    seq = fields.Int()
    at = fields.DateTime()
    actor = fields.Str()
    action = fields.Str()
    action_label = fields.Str()
    subject = fields.Str()
    details = fields.Dict()
    hash = fields.Str()


class RecordListSchema(Schema):
    items = fields.List(fields.Nested(RecordSchema))


class ConfirmSchema(Schema):
    confirm = fields.Bool(required=True, metadata={"description": "二次确认（true）"})


class BindSchema(Schema):
    account_id = id_field(required=True)


class BoundCertificateSchema(Schema):
    id = fields.Int()
    status = fields.Str()
    status_label = fields.Str()
    bound_account = fields.Str(allow_none=True)
    predecessor_id = fields.Int(allow_none=True)


class KeyPinVerifySchema(Schema):
    challenge_id = fields.Int(required=True, strict=True)
    response = Base64Bytes(required=True, max_bytes=64)


class KeyPinResultSchema(Schema):
    ok = fields.Bool()
    remaining = fields.Int()
    frozen = fields.Bool()


# -- APP (H1, H2 install) -------------------------------------------------------------------------------
class InstallSchema(Schema):
    challenge_id = fields.Int(required=True, strict=True)
    response = Base64Bytes(required=True, max_bytes=64)


class InstallResultSchema(Schema):
    certificate_pem = fields.Str()
    chain_pem = fields.List(fields.Str())
    share = Base64Bytes()
    old_share = Base64Bytes()
    serial = fields.Str()
    predecessor_id = fields.Int()
