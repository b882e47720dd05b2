"""Multipart forms (uploads), described for the OpenAPI document; the views read them from ``request``."""

from __future__ import annotations

from marshmallow import fields, validate

from signer.applications.enums import AttachmentKind
from signer.seals.seal_images import MIN_SCALE
from signer.signing.enums import PadesLevel

from .common import Schema

SEAL_KINDS = (AttachmentKind.COMPANY_SEAL, AttachmentKind.LEGAL_REP_SIGNATURE, AttachmentKind.LEGAL_REP_SEAL)


def _file(description: str | None = None) -> fields.Raw:
    metadata = {"type": "string", "format": "binary"}
    if description:
        metadata["description"] = description
    return fields.Raw(required=True, metadata=metadata)


class VerifyFormSchema(Schema):
    file = _file()


class DraftUploadFormSchema(Schema):
    file = _file()
    title = fields.Str()


class SigningSessionFormSchema(DraftUploadFormSchema):
    placements = fields.Str(metadata={"description": "JSON list of PlacementSchema"})
    pades_level = fields.Enum(PadesLevel, by_value=True, load_default=PadesLevel.B_B)
    signer_account_id = fields.Int()


class BusinessSessionFormSchema(SigningSessionFormSchema):
    webhook_url = fields.Str(metadata={"description": "receives a WebhookEventSchema when the session ends"})
    external_ref = fields.Str()


class AttachmentUploadFormSchema(Schema):
    kind = fields.Enum(AttachmentKind, by_value=True, required=True)
    file = _file()


class SealToolOptionsSchema(Schema):
    """The seal tools' own form field (the view reads ``kind`` and ``file`` itself)."""

    scale = fields.Int(load_default=100, validate=validate.Range(min=MIN_SCALE, max=100),
                       metadata={"description": "normalize only: 调整印章大小, the percent of its box the seal fills"})


class SealToolFormSchema(SealToolOptionsSchema):
    kind = fields.Str(required=True, validate=validate.OneOf([k.value for k in SEAL_KINDS]))
    file = _file("jpg/png photo (normalize — a transparent PNG)")


class PaymentNotificationSchema(Schema):
    """The sandbox gateway's JSON body, signed with HMAC-SHA256 (hex) in ``X-Signature``."""

    order_no = fields.Str()
    transaction_id = fields.Str()
    amount_fen = fields.Int()
    status = fields.Str(validate=validate.OneOf(["SUCCESS"]))
    paid_at = fields.DateTime()
