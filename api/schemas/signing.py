"""Signing: drafts (upload, pages, placed seals), sessions and their one wire state."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from signer.seals.enums import SealKind
from signer.signing.enums import SESSION_STATUS_LABELS, PadesLevel, SessionStatus

from .common import Schema


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


SIGNED_PDF_PATH = "/api/v1/signing-sessions/{}/signed.pdf"  # signing_api.signed_pdf


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
