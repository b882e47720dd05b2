"""Seals: which seals a certificate may use, and the handwritten signature drawn in the APP."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import Base64Bytes, Schema


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


class StrokePointSchema(Schema):
    x = fields.Float(required=True)
    y = fields.Float(required=True)
    p = fields.Float(load_default=0.5, metadata={"description": "pen pressure 0..1"})


class HandwritingSchema(Schema):
    """H5: exactly one of ``strokes`` (points in canvas pixels) or ``png`` (a transparent PNG)."""

    strokes = fields.List(fields.List(fields.Nested(StrokePointSchema)), load_default=None,
                          validate=validate.Length(min=1, max=200))
    png = Base64Bytes(load_default=None, max_bytes=4 * 1024 * 1024)

    @validates_schema
    def _one_source(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("strokes") is None) == (data.get("png") is None):
            raise ValidationError({"_schema": ["请提供 strokes 或 png 之一"]})


class HandwritingResultSchema(Schema):
    png = Base64Bytes(metadata={"description": "the stored signature: transparent PNG"})
    width = fields.Int()
    height = fields.Int()
    updated_at = fields.Str()
