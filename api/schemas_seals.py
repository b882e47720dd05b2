"""Schemas of the seals and long-term signature area: K7 verification, H5 handwritten signature."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import Base64Bytes


class VerifiedSignatureSchema(Schema):
    field_name = fields.Str()
    seal = fields.Str(allow_none=True, metadata={"description": "company | legal_rep | handwritten"})
    seal_label = fields.Str(allow_none=True)
    signer = fields.Str(allow_none=True, metadata={"description": "subject DN of the signer's certificate"})
    serial = fields.Str(allow_none=True, metadata={"description": "certificate serial, lowercase hex"})
    reason = fields.Str(allow_none=True)
    signing_time = fields.Str(allow_none=True, metadata={"description": "claimed by the signer (/M)"})
    timestamp_time = fields.Str(allow_none=True, metadata={"description": "proven by an RFC 3161 token"})
    intact = fields.Bool(metadata={"description": "the signed bytes are unchanged"})
    valid = fields.Bool(metadata={"description": "the signature value verifies"})
    trusted = fields.Bool(metadata={"description": "chains to the platform root and is not revoked now"})
    revocation = fields.Str(metadata={"description": "good | revoked | unknown (as of now)"})
    revoked_at = fields.Str(allow_none=True)
    pades_level = fields.Str(allow_none=True, metadata={"description": "B-B | B-T | B-LT | B-LTA reached"})
    modification_level = fields.Str(allow_none=True,
                                    metadata={"description": "what later revisions did: NONE, LTA_UPDATES, "
                                                             "FORM_FILLING, ANNOTATIONS, OTHER"})
    changes_allowed = fields.Bool(metadata={"description": "later revisions changed nothing they should not"})
    valid_at_signing_time = fields.Bool()
    error = fields.Str(allow_none=True)


class VerifiedTimestampSchema(Schema):
    field_name = fields.Str()
    time = fields.Str(allow_none=True)
    intact = fields.Bool()
    valid = fields.Bool()
    trusted = fields.Bool()
    error = fields.Str(allow_none=True)


class VerificationSchema(Schema):
    verdict = fields.Str(metadata={"description": "valid | invalid | indeterminate | unsigned"})
    verdict_label = fields.Str()
    signatures = fields.List(fields.Nested(VerifiedSignatureSchema))
    document_timestamps = fields.List(fields.Nested(VerifiedTimestampSchema))


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
