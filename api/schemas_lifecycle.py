"""Request and response schemas of the certificate lifecycle (A–J). Money is integer fen, times UTC ISO 8601."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from signer.applications.enums import ApplicationKind, ApplicationStatus, AttachmentKind, IdType, ReissueReason
from signer.applications.rules import DISPLAY_STATE_LABELS, REVOCATION_REASONS
from signer.billing.enums import InvoiceType, OrderStatus
from signer.certificates.enums import CertificateKind
from signer.seals.enums import SealType
from signer.sms.enums import SmsPurpose

from .schemas import Base64Bytes


def _sms_code() -> fields.Str:
    return fields.Str(required=True, validate=validate.Regexp(r"^\d{6}$", error="请输入6位数字验证码"))


_PHONE = validate.Regexp(r"^1[3-9]\d{9}$", error="请输入11位手机号")


def _id(**kwargs: Any) -> fields.Int:
    return fields.Int(strict=True, validate=validate.Range(min=1), **kwargs)


class HandlerSchema(Schema):
    """办理人信息."""

    name = fields.Str(required=True, validate=validate.Length(min=1, max=50))
    contact = fields.Str(required=True, validate=validate.Length(min=7, max=20))
    id_type = fields.Enum(IdType, by_value=True, load_default=IdType.RESIDENT_ID)
    id_number = fields.Str(required=True, validate=validate.Length(min=5, max=32))


class AttachmentsField(fields.Dict):
    """{attachment kind: [upload ids]} (ids from POST /uploads)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.Enum(AttachmentKind, by_value=True),
                         values=fields.List(_id(), validate=validate.Length(min=1, max=5)),
                         load_default=dict, **kwargs)


class OrderChoiceMixin(Schema):
    """提交并生成订单: create the order right away (with this invoice profile, else the default one)."""

    create_order = fields.Bool(load_default=False)
    invoice_profile_id = _id(load_default=None, allow_none=True)


class NewApplicationSchema(OrderChoiceMixin):
    """B1–B3 新签."""

    certificate_kind = fields.Enum(CertificateKind, by_value=True, required=True)
    agreements = fields.List(fields.Str(validate=validate.Length(max=64)), required=True,
                             validate=validate.Length(max=10))
    seal_type = fields.Enum(SealType, by_value=True, required=True)
    period_years = fields.Int(strict=True, required=True, validate=validate.Range(min=1, max=5))
    bind_account_id = _id(required=True)
    bind_phone = fields.Str(load_default=None, allow_none=True, validate=_PHONE)
    handler = fields.Nested(HandlerSchema, required=True)
    attachments = AttachmentsField()
    sms_code = _sms_code()


class CertificateApplicationSchema(OrderChoiceMixin):
    """C, D, G, J: 续签, 变更, 补办, 吊销, 解冻, 延长有效期, 变更手机号 of one certificate."""

    handler = fields.Nested(HandlerSchema, load_default=None, allow_none=True)
    attachments = AttachmentsField()
    period_years = fields.Int(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    reason = fields.Str(load_default=None, allow_none=True,
                        validate=validate.OneOf([*REVOCATION_REASONS, *(r.value for r in ReissueReason)]))
    new_phone = fields.Str(load_default=None, allow_none=True, validate=_PHONE)
    sms_code = _sms_code()


class ReapplySchema(Schema):
    """重新申请: a new handler and/or replaced attachments."""

    handler = fields.Nested(HandlerSchema, load_default=None, allow_none=True)
    attachments = AttachmentsField()
    sms_code = _sms_code()


class AttachmentSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    kind_label = fields.Str()
    filename = fields.Str()
    content_type = fields.Str()
    size = fields.Int()
    sha256 = fields.Str()
    created_at = fields.DateTime()
    replaced = fields.Bool()


class ApplicationSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    kind_label = fields.Str()
    certificate_kind = fields.Str()
    certificate_kind_label = fields.Str()
    status = fields.Str()
    status_label = fields.Str()
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    certificate_id = fields.Int(allow_none=True)
    result_certificate_id = fields.Int(allow_none=True)
    bind_account = fields.Str(allow_none=True)
    bind_name = fields.Str(allow_none=True)
    bind_phone = fields.Str(allow_none=True)
    seal_type = fields.Str(allow_none=True)
    seal_type_label = fields.Str(allow_none=True)
    period_years = fields.Int(allow_none=True)
    price_fen = fields.Int()
    handler_name = fields.Str()
    handler_contact = fields.Str()
    id_type = fields.Str(allow_none=True)
    id_type_label = fields.Str(allow_none=True)
    id_number = fields.Str(allow_none=True, metadata={"description": "masked"})
    agreements_accepted_at = fields.DateTime(allow_none=True)
    reason = fields.Str(allow_none=True)
    reason_label = fields.Str(allow_none=True)
    rejection_opinion = fields.Str(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    shipping_status = fields.Str(allow_none=True)
    shipping_status_label = fields.Str(allow_none=True)
    shipping_carrier = fields.Str(allow_none=True)
    tracking_number = fields.Str(allow_none=True)
    order_no = fields.Str(allow_none=True)
    submitted_at = fields.DateTime()
    created_at = fields.DateTime()
    attachments = fields.List(fields.Nested(AttachmentSchema))


class ApplicationListSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema))


class SubmittedSchema(Schema):
    """A submitted application and, with create_order, its order."""

    application = fields.Nested(ApplicationSchema)
    order = fields.Dict(allow_none=True)


class ApplicationQuerySchema(Schema):
    status = fields.Enum(ApplicationStatus, by_value=True, load_default=None)
    kind = fields.Enum(ApplicationKind, by_value=True, load_default=None)


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


# -- B4/B5 orders, F1/F2 invoices -------------------------------------------------------------------
class OrderCreateSchema(Schema):
    application_ids = fields.List(_id(), required=True, validate=validate.Length(min=1, max=50))
    invoice_profile_id = _id(load_default=None, allow_none=True)
    payment_method = fields.Str(load_default="online", validate=validate.OneOf(["online"]))


class OrderItemSchema(Schema):
    application_id = fields.Int()
    kind = fields.Str()
    kind_label = fields.Str()
    certificate_kind_label = fields.Str()
    period_years = fields.Int(allow_none=True)
    amount_fen = fields.Int()
    application_status = fields.Str()
    application_status_label = fields.Str()


class ElectronicInvoiceSchema(Schema):
    invoice_no = fields.Str()
    amount_fen = fields.Int()
    tax_fen = fields.Int()
    issued_at = fields.DateTime()
    download_url = fields.Str()


class OrderSchema(Schema):
    order_no = fields.Str()
    status = fields.Str()
    status_label = fields.Str()
    amount_fen = fields.Int()
    payment_method = fields.Str()
    payment_method_label = fields.Str()
    invoice = fields.Dict(allow_none=True, metadata={"description": "the invoice profile as ordered"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    transaction_id = fields.Str(allow_none=True)
    items = fields.List(fields.Nested(OrderItemSchema))
    electronic_invoice = fields.Nested(ElectronicInvoiceSchema, allow_none=True)
    cashier_url = fields.Str(allow_none=True, metadata={"description": "收银台, while 待支付"})


class OrderListSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))


class OrderQuerySchema(Schema):
    status = fields.Enum(OrderStatus, by_value=True, load_default=None)


class InvoiceProfileInSchema(Schema):
    invoice_type = fields.Enum(InvoiceType, by_value=True, load_default=InvoiceType.NORMAL)
    title = fields.Str(required=True, validate=validate.Length(min=2, max=100))
    tax_number = fields.Str(required=True, validate=validate.Length(min=15, max=20))
    address = fields.Str(load_default="", validate=validate.Length(max=200))
    phone = fields.Str(load_default="", validate=validate.Length(max=30))
    bank_name = fields.Str(load_default="", validate=validate.Length(max=100))
    bank_account = fields.Str(load_default="", validate=validate.Length(max=40))
    email = fields.Str(load_default="", validate=validate.Length(max=100))
    is_default = fields.Bool(load_default=False)


class InvoiceProfileSchema(Schema):
    id = fields.Int()
    invoice_type = fields.Str()
    invoice_type_label = fields.Str()
    title = fields.Str()
    tax_number = fields.Str()
    address = fields.Str()
    phone = fields.Str()
    bank_name = fields.Str()
    bank_account = fields.Str()
    email = fields.Str()
    is_default = fields.Bool()


class InvoiceProfileListSchema(Schema):
    items = fields.List(fields.Nested(InvoiceProfileSchema))


class DeleteQuerySchema(Schema):
    confirm = fields.Bool(load_default=False, metadata={"description": "删除需要确认（true）"})


class PaymentAckSchema(Schema):
    result = fields.Str(metadata={"description": "success: stop re-sending"})
    order_no = fields.Str()
    duplicate = fields.Bool()


# -- SMS, prices, accounts, templates ---------------------------------------------------------------
class SmsSendSchema(Schema):
    purpose = fields.Enum(SmsPurpose, by_value=True, required=True)
    phone = fields.Str(load_default=None, allow_none=True, validate=_PHONE,
                       metadata={"description": "only for phone_change (the new number); else the caller's phone"})

    @validates_schema
    def _phone(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["purpose"] == SmsPurpose.PHONE_CHANGE and not data.get("phone"):
            raise ValidationError({"phone": ["请输入新手机号"]})


class SmsSentSchema(Schema):
    phone = fields.Str(metadata={"description": "masked"})
    expires_at = fields.DateTime()
    resend_after = fields.DateTime()


class SmsOutboxSchema(Schema):
    class Message(Schema):
        phone = fields.Str()
        text = fields.Str()
        created_at = fields.DateTime()

    items = fields.List(fields.Nested(Message))


class PriceSchema(Schema):
    kind = fields.Str()
    certificate_kind = fields.Str()
    years = fields.Int(metadata={"description": "0 = a fee without a period"})
    price_fen = fields.Int()


class PriceListSchema(Schema):
    items = fields.List(fields.Nested(PriceSchema))


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


class UploadFormSchema(Schema):
    """The form fields next to the uploaded ``file`` (multipart)."""

    kind = fields.Enum(AttachmentKind, by_value=True, required=True)


# -- seals, bind, unbind (B8, H4, H6, H7) -------------------------------------------------------------
class SealAssignSchema(Schema):
    """分配印章: true gives the seal kind to the account, false takes it back, absent leaves it."""

    company = fields.Bool(load_default=None, allow_none=True)
    legal_rep = fields.Bool(load_default=None, allow_none=True)
    handwritten = fields.Bool(load_default=None, allow_none=True)


class SealAssignmentsSchema(Schema):
    account_id = fields.Int()
    company = fields.Bool()
    legal_rep = fields.Bool()
    handwritten = fields.Bool()
    handwriting_set = fields.Bool(metadata={"description": "该账号是否已在APP中设置手写签名"})
    without_image = fields.List(fields.Str(), metadata={
        "description": "没有印章图片的印章类型（使用它们的签署在扫码时被拒绝：seal_image_missing）"})


class ConfirmSchema(Schema):
    confirm = fields.Bool(required=True, metadata={"description": "二次确认（true）"})


class BindSchema(Schema):
    account_id = _id(required=True)


class BoundCertificateSchema(Schema):
    id = fields.Int()
    status = fields.Str()
    status_label = fields.Str()
    bound_account = fields.Str(allow_none=True)
    predecessor_id = fields.Int(allow_none=True)


# -- review (B6), KEY (I) ---------------------------------------------------------------------------
class ReviewQuerySchema(Schema):
    status = fields.Enum(ApplicationStatus, by_value=True, load_default=ApplicationStatus.PENDING_REVIEW)
    kind = fields.Enum(ApplicationKind, by_value=True, load_default=None)


class SealChoiceSchema(Schema):
    attachment_id = _id(required=True)
    cutout = fields.Bool(load_default=False, metadata={"description": "签章抠图 / 签字抠图 of a photo"})


class ApproveSchema(Schema):
    """维护印章信息: which attachment becomes the enterprise's company / legal-representative seal."""

    seals = fields.Dict(keys=fields.Str(validate=validate.OneOf(["company", "legal_rep"])),
                        values=fields.Nested(SealChoiceSchema), load_default=dict)


class RejectSchema(Schema):
    opinion = fields.Str(required=True, validate=validate.Length(min=1, max=500))


class ShipSchema(Schema):
    carrier = fields.Str(required=True, validate=validate.Length(min=1, max=50))
    tracking_number = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z0-9-]{6,40}$"))
    csr = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=8192),
                     metadata={"description": "PEM PKCS#10 made by the KEY (not needed when it keeps its key)"})
    pin_verifier = Base64Bytes(load_default=None, allow_none=True, max_bytes=64,
                               metadata={"description": "keystore verifier of the KEY's initial PIN"})


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


class OperatorListSchema(AccountChoiceListSchema):
    """H7: the operators a certificate can be bound to (no active mobile certificate)."""
