"""Certificates: lists, download to the APP, passwords, binding, KEY PIN, install, 办理记录."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marshmallow import fields, validate

from signer.accounts.models import Account
from signer.applications.enums import SHIPPING_STATUS_LABELS
from signer.applications.rules import DISPLAY_STATE_LABELS, state_label
from signer.certificates.binding import BindingService
from signer.certificates.enums import CERTIFICATE_KIND_LABELS, CertificateKind, CertificateStatus
from signer.certificates.listing import CertificateRow
from signer.certificates.models import Certificate
from signer.certificates.service import EXPIRING_WINDOW
from signer.certificates.status import status_label
from signer.core.models import utcnow

from .common import Base64Bytes, Schema, id_field


@dataclass(frozen=True)
class CertificateView:
    """A certificate with what its list row needs besides the row: the bound account and the 即将失效 window."""

    cert: Certificate
    account: Account | None = None
    window: timedelta = EXPIRING_WINDOW


class _CertificateViewFields:
    """The computed fields of a :class:`CertificateView`, shared by the certificate schemas."""

    def _kind(self, view: CertificateView) -> str:
        return view.cert.kind.value

    def _status(self, view: CertificateView) -> str:
        return view.cert.status.value

    def _status_label(self, view: CertificateView) -> str:
        return status_label(view.cert, utcnow(), view.window)

    def _remaining(self, view: CertificateView) -> int:
        return max(0, view.cert.usage_limit - view.cert.usage_count)

    def _bound_account(self, view: CertificateView) -> str | None:
        return view.account.username if view.account else None

    def _bound_name(self, view: CertificateView) -> str | None:
        return view.account.display_name if view.account else None

    def _kind_label(self, view: CertificateView) -> str:
        return CERTIFICATE_KIND_LABELS[view.cert.kind]

    def _install(self, view: CertificateView) -> str | None:
        # H2: how the APP gets a 待下载 certificate: a new key and CSR, or installing the one it holds.
        if view.cert.status != CertificateStatus.PENDING_DOWNLOAD:
            return None
        return "same_key" if view.cert.reuse_key else "download"


class CertificateSchema(_CertificateViewFields, Schema):
    """The public view of a certificate (APP lists); dumps a :class:`CertificateView`."""

    id = fields.Int(attribute="cert.id")
    kind = fields.Method("_kind")
    status = fields.Method("_status")
    status_label = fields.Method("_status_label")
    serial = fields.Str(attribute="cert.serial_hex", allow_none=True)
    subject = fields.Str(attribute="cert.subject", allow_none=True)
    not_before = fields.DateTime(attribute="cert.not_before", allow_none=True)
    not_after = fields.DateTime(attribute="cert.not_after", allow_none=True)
    usage_count = fields.Int(attribute="cert.usage_count")
    remaining = fields.Method("_remaining")
    bound_account = fields.Method("_bound_account")
    bound_name = fields.Method("_bound_name")
    kind_label = fields.Method("_kind_label")
    contact_phone = fields.Str(attribute="cert.contact_phone", allow_none=True)
    predecessor_id = fields.Int(attribute="cert.predecessor_id", allow_none=True,
                                metadata={"description": "the certificate this one replaces"})
    install = fields.Method("_install", allow_none=True, metadata={
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
    """Dumps a :class:`CertificateRow`, adding its labels."""

    number = fields.Int(metadata={"description": "序号"})
    certificate_id = fields.Int(allow_none=True)
    application_id = fields.Int(allow_none=True, metadata={"description": "the open application, if any"})
    kind = fields.Str()
    kind_label = fields.Method("_kind_label", metadata={"type": "string"})
    bound_account = fields.Str(allow_none=True)
    bound_name = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    not_after = fields.DateTime(allow_none=True)
    usage_count = fields.Int(allow_none=True)
    remaining = fields.Int(allow_none=True)
    status = fields.Str()
    status_label = fields.Method("_status_label", metadata={"type": "string"})
    shipping_application_id = fields.Int(allow_none=True, metadata={"description": "I: the KEY's parcel"})
    shipping_status = fields.Str(allow_none=True, metadata={"description": "pending / shipped / delivered"})
    shipping_status_label = fields.Method("_shipping_status_label", allow_none=True,
                                          metadata={"type": "string", "description": "邮寄状态"})
    shipping_carrier = fields.Str(allow_none=True, metadata={"description": "快递公司"})
    tracking_number = fields.Str(allow_none=True, metadata={"description": "运单号"})
    operations = fields.List(fields.Str())
    unavailable = fields.Dict(keys=fields.Str(), values=fields.Str(),
                              metadata={"description": "toolbar operation → why it is not offered"})

    def _kind_label(self, row: CertificateRow) -> str:
        return CERTIFICATE_KIND_LABELS[row.kind]

    def _status_label(self, row: CertificateRow) -> str:
        return state_label(row.status)

    def _shipping_status_label(self, row: CertificateRow) -> str | None:
        return SHIPPING_STATUS_LABELS[row.shipping_status] if row.shipping_status else None


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


class BoundCertificateSchema(_CertificateViewFields, Schema):
    """A certificate after 绑定 / 解绑; dumps a :class:`CertificateView`."""

    id = fields.Int(attribute="cert.id")
    status = fields.Method("_status")
    status_label = fields.Method("_status_label")
    bound_account = fields.Method("_bound_account")
    predecessor_id = fields.Int(attribute="cert.predecessor_id", allow_none=True)


def bound_view(binding: BindingService, cert: Certificate) -> CertificateView:
    """A certificate with the account it is bound to, for :class:`BoundCertificateSchema`."""
    return CertificateView(cert, binding.bound_account(cert), binding.window)


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
