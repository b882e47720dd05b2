"""Applications (A–J): new, reapply, attachments, review (approve, reject, ship), SMS codes."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from signer.applications.enums import ApplicationKind, ApplicationStatus, AttachmentKind, IdType, ReissueReason
from signer.applications.rules import REVOCATION_REASONS
from signer.certificates.enums import CertificateKind
from signer.seals.enums import SealType
from signer.sms.enums import SmsPurpose

from .common import PHONE, Base64Bytes, Schema, id_field, sms_code_field


class HandlerSchema(Schema):
    """办理人信息."""

    name = fields.Str(required=True, validate=validate.Length(min=1, max=50))
    contact = fields.Str(required=True, validate=validate.Length(min=7, max=20))
    id_type = fields.Enum(IdType, by_value=True, load_default=IdType.RESIDENT_ID)
    id_number = fields.Str(required=True, validate=validate.Length(min=5, max=32))


class DeliverySchema(Schema):
    """I 实体KEY: 收件人, 联系电话, 邮寄地址 (the service checks what they must look like)."""

    recipient = fields.Str(load_default="", validate=validate.Length(max=50, error="收件人不超过50字"))
    phone = fields.Str(load_default="", validate=validate.Length(max=20, error="联系电话不超过20位"))
    address = fields.Str(load_default="", validate=validate.Length(max=200, error="邮寄地址不超过200字"))


class AttachmentsField(fields.Dict):
    """{attachment kind: [upload ids]} (ids from POST /uploads)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.Enum(AttachmentKind, by_value=True),
                         values=fields.List(id_field(), validate=validate.Length(min=1, max=5)),
                         load_default=dict, **kwargs)


class OrderChoiceMixin(Schema):
    """提交并生成订单: create the order right away (with this invoice profile, else the default one)."""

    create_order = fields.Bool(load_default=False)
    invoice_profile_id = id_field(load_default=None, allow_none=True)


class NewApplicationInfoSchema(Schema):
    """B2 办理信息 (保存并下一步 checks it before the attachments step): the certificate kind chosen on step 1."""

    certificate_kind = fields.Enum(CertificateKind, by_value=True, required=True)
    seal_type = fields.Enum(SealType, by_value=True, required=True)
    period_years = fields.Int(strict=True, required=True, validate=validate.Range(min=1, max=5))
    bind_account_id = id_field(required=True)
    bind_phone = fields.Str(load_default=None, allow_none=True, validate=PHONE)
    handler = fields.Nested(HandlerSchema, required=True)
    delivery = fields.Nested(DeliverySchema, load_default=None, allow_none=True,
                             metadata={"description": "实体KEY证书: where the KEY is mailed (required for a KEY)"})
    sms_code = sms_code_field()


class NewApplicationSchema(OrderChoiceMixin, NewApplicationInfoSchema):
    """B1–B3 新签."""

    agreements = fields.List(fields.Str(validate=validate.Length(max=64)), required=True,
                             validate=validate.Length(max=10))
    attachments = AttachmentsField()


class InfoCheckedSchema(Schema):
    ok = fields.Bool(metadata={"description": "true: every field of the step is right"})


class CertificateApplicationSchema(OrderChoiceMixin):
    """C, D, G, J: 续签, 变更, 补办, 吊销, 解冻, 延长有效期, 变更手机号 of one certificate."""

    handler = fields.Nested(HandlerSchema, load_default=None, allow_none=True)
    attachments = AttachmentsField()
    period_years = fields.Int(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    reason = fields.Str(load_default=None, allow_none=True,
                        validate=validate.OneOf([*REVOCATION_REASONS, *(r.value for r in ReissueReason)]))
    new_phone = fields.Str(load_default=None, allow_none=True, validate=PHONE)
    sms_code = sms_code_field()


class ReapplySchema(Schema):
    """重新申请: a new handler and/or replaced attachments."""

    handler = fields.Nested(HandlerSchema, load_default=None, allow_none=True)
    attachments = AttachmentsField()
    sms_code = sms_code_field()


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
    recipient_name = fields.Str(allow_none=True)
    recipient_phone = fields.Str(allow_none=True)
    mailing_address = fields.Str(allow_none=True)
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


# -- SMS, prices, accounts, templates ---------------------------------------------------------------
class SmsSendSchema(Schema):
    purpose = fields.Enum(SmsPurpose, by_value=True, required=True)
    phone = fields.Str(load_default=None, allow_none=True, validate=PHONE,
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


class UploadFormSchema(Schema):
    """The form fields next to the uploaded ``file`` (multipart)."""

    kind = fields.Enum(AttachmentKind, by_value=True, required=True)


# -- review (B6), KEY (I) ---------------------------------------------------------------------------
class ReviewQuerySchema(Schema):
    status = fields.Enum(ApplicationStatus, by_value=True, load_default=ApplicationStatus.PENDING_REVIEW)
    kind = fields.Enum(ApplicationKind, by_value=True, load_default=None)


class SealChoiceSchema(Schema):
    attachment_id = id_field(required=True)
    cutout = fields.Bool(load_default=False, metadata={"description": "签章抠图 / 签字抠图 of a photo"})


class ApproveSchema(Schema):
    """维护印章信息: which attachment becomes the enterprise's company / legal-representative seal."""

    seals = fields.Dict(keys=fields.Str(validate=validate.OneOf(["company", "legal_rep"])),
                        values=fields.Nested(SealChoiceSchema), load_default=dict)


class RejectSchema(Schema):
    opinion = fields.Str(required=True, validate=validate.Length(min=1, max=500))


class ShipSchema(Schema):
    """I 制作并邮寄: the key is made on the KEY at the production desk; the reviewer gives the parcel."""

    carrier = fields.Str(required=True, validate=validate.Length(min=1, max=50, error="请填写快递公司（50字以内）"),
                         error_messages={"required": "请填写快递公司"})
    tracking_number = fields.Str(required=True, error_messages={"required": "请填写运单号"},
                                 validate=validate.Regexp(r"^[A-Za-z0-9-]{6,40}$",
                                                          error="运单号应为6至40位字母、数字或连字符"))
    pin_verifier = Base64Bytes(load_default=None, allow_none=True, max_bytes=64,
                               metadata={"description": "keystore verifier of the KEY's initial PIN"})
