"""Schemas of the signing drafts: the PC's upload → page previews → placements → session flow."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from signer.signing.enums import PadesLevel

from .schemas import PlacementSchema


class DraftPageSchema(Schema):
    number = fields.Int(metadata={"description": "1-based"})
    box = fields.List(fields.Float(), metadata={"description": "the visible area in PDF user space: llx, lly, urx, "
                                                               "ury (points, origin bottom-left)"})
    rotation = fields.Int(metadata={"description": "/Rotate, clockwise: 0, 90, 180, 270; the preview is turned"})
    width_pt = fields.Float(metadata={"description": "width as shown (rotation applied)"})
    height_pt = fields.Float()
    width_px = fields.Int(metadata={"description": "the preview's size in pixels"})
    height_px = fields.Int()
    image_url = fields.Str(metadata={"description": "PNG preview, about 800 px wide"})


class PlacedSealSchema(Schema):
    seal = fields.Str(metadata={"description": "company | legal_rep | handwritten"})
    page = fields.Int()
    x = fields.Float()
    y = fields.Float()
    width = fields.Float()
    height = fields.Float()


class DraftSchema(Schema):
    id = fields.Str()
    title = fields.Str()
    page_count = fields.Int()
    document_sha256 = fields.Str()
    pades_level = fields.Str()
    placements = fields.List(fields.Nested(PlacedSealSchema), metadata={"description": "the last ones started"})
    pages = fields.List(fields.Nested(DraftPageSchema))
    expires_at = fields.Str()
    last_session_id = fields.Str(allow_none=True)


class StartDraftSchema(Schema):
    """JSON body: where the seals go (PDF points, origin bottom-left) and the PAdES level."""

    title = fields.Str(load_default="", validate=validate.Length(max=200))
    placements = fields.List(fields.Nested(PlacementSchema), required=True, validate=validate.Length(min=1, max=10),
                             error_messages={"required": "请至少放置一个印章"})
    pades_level = fields.Enum(PadesLevel, by_value=True, load_default=PadesLevel.B_B)
