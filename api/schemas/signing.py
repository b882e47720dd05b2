"""Signing: drafts (upload, pages, placed seals), sessions and their one wire state."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import fields, pre_dump, validate

from signer.seals.enums import SealKind
from signer.signing.drafts import DraftPage
from signer.signing.enums import SESSION_STATUS_LABELS, PadesLevel, SessionStatus
from signer.signing.progress import Phase, SigningProgress

from .common import Schema

TIMESTAMPED = (PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA)
LONG_TERM = (PadesLevel.B_LT, PadesLevel.B_LTA)


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
SIGNED_PAGE_PATH = "/api/v1/signing-sessions/{}/signed/pages/{}.png"  # signing_api.signed_page_png


def progress_view(seal: int, total: int, phase: Phase, level: PadesLevel) -> dict[str, Any]:
    """签署中, in words: what is being done now (第 2/3 个签章) and what is left (时间戳, 长期验证数据)."""
    archive = level == PadesLevel.B_LTA
    if phase == Phase.TIMESTAMP:
        text = f"第 {seal}/{total} 个签章：正在获取时间戳"
    elif phase == Phase.LONG_TERM:
        text = "正在添加长期验证数据和文档时间戳" if archive else "正在添加长期验证数据"
    else:
        text = f"正在签署第 {seal}/{total} 个签章"
    remaining = [f"第 {n}/{total} 个签章" for n in range(seal + 1, total + 1)] if phase != Phase.LONG_TERM else []
    if level in TIMESTAMPED and (phase == Phase.SEAL or (phase == Phase.TIMESTAMP and seal < total)):
        remaining.append("时间戳")
    if level in LONG_TERM and phase != Phase.LONG_TERM:
        remaining.append("长期验证数据")
        if archive:
            remaining.append("文档时间戳")
    return {"seal": seal, "total": total, "phase": phase.value, "text": text, "remaining": remaining,
            "remaining_text": "剩余：" + "、".join(remaining) if remaining else "即将完成"}


class SigningProgressSchema(Schema):
    """The ``progress`` push (Socket.IO /pc): a phase of a session in 签署中 started."""

    session_id = fields.Str()
    seal = fields.Int(metadata={"description": "1-based, the seal being worked on"})
    total = fields.Int()
    phase = fields.Str(metadata={"description": "seal | timestamp | long_term"})
    text = fields.Str()
    remaining = fields.List(fields.Str())
    remaining_text = fields.Str()

    @pre_dump
    def _words(self, progress: SigningProgress, **_: Any) -> dict[str, Any]:
        return {"session_id": progress.session_id,
                **progress_view(progress.seal, progress.total, progress.phase, progress.pades_level)}


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
    progress = fields.Method("_progress", allow_none=True,
                             metadata={"type": "object", "description": "while 签署中: the seal being signed "
                                                                        "and what is left (as the progress push)"})
    signed_pages = fields.Method("_signed_pages", metadata={
        "type": "array", "description": "once 已签署: previews (PNG) of the signed file's pages that carry seals"})

    def _status_label(self, state: dict[str, Any]) -> str:
        return SESSION_STATUS_LABELS[SessionStatus(state["status"])]

    def _download_url(self, state: dict[str, Any]) -> str | None:
        return SIGNED_PDF_PATH.format(state["id"]) if state["status"] == SessionStatus.SIGNED else None

    def _progress(self, state: dict[str, Any]) -> dict[str, Any] | None:
        if state["status"] != SessionStatus.SIGNING or not state["seals"]:
            return None
        total = len(state["seals"])
        return progress_view(min(state["current_round"] + 1, total), total, Phase.SEAL,
                             PadesLevel(state["pades_level"]))

    def _signed_pages(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        if state["status"] != SessionStatus.SIGNED:
            return []
        return [{"page": n, "url": SIGNED_PAGE_PATH.format(state["id"], n)}
                for n in sorted({seal["page"] for seal in state["seals"]})]


class DraftPageSchema(Schema):
    number = fields.Int(metadata={"description": "1-based"})
    box = fields.List(fields.Float(), metadata={"description": "the visible area in PDF user space: llx, lly, urx, "
                                                               "ury (points, origin bottom-left)"})
    rotation = fields.Int(metadata={"description": "/Rotate, clockwise: 0, 90, 180, 270; the preview is turned"})
    width_pt = fields.Float(metadata={"description": "width as shown (rotation applied)"})
    height_pt = fields.Float()
    width_px = fields.Int(metadata={"description": "the preview's size in pixels"})
    height_px = fields.Int()
    image_url = fields.Method("_image_url", metadata={"type": "string",
                                                      "description": "PNG preview, about 800 px wide"})

    def _image_url(self, page: DraftPage) -> str:
        return url_for("drafts_api.page_png", draft_id=page.draft_id, number=page.number)


class PlacedSealSchema(Schema):
    seal = fields.Str(metadata={"description": "company | legal_rep | handwritten"})
    page = fields.Int()
    x = fields.Float()
    y = fields.Float()
    width = fields.Float()
    height = fields.Float()


class DraftSchema(Schema):
    """Dumps a :class:`DraftView` (inside a request: the page URLs come from the routes)."""

    id = fields.Str()
    title = fields.Str()
    page_count = fields.Int()
    document_sha256 = fields.Str()
    pades_level = fields.Str()
    placements = fields.List(fields.Nested(PlacedSealSchema), metadata={"description": "the last ones started"})
    pages = fields.List(fields.Nested(DraftPageSchema))
    expires_at = fields.DateTime()
    last_session_id = fields.Str(allow_none=True)


class StartDraftSchema(Schema):
    """JSON body: where the seals go (PDF points, origin bottom-left) and the PAdES level."""

    title = fields.Str(load_default="", validate=validate.Length(max=200))
    placements = fields.List(fields.Nested(PlacementSchema), required=True, validate=validate.Length(min=1, max=10),
                             error_messages={"required": "请至少放置一个印章"})
    pades_level = fields.Enum(PadesLevel, by_value=True, load_default=PadesLevel.B_B)
