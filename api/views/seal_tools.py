"""B3 附件上传's seal image tools on the PC: 在线制作, 签字抠图, 签章抠图 and 线下上传 (resized).

Each tool takes one photo or PNG (multipart ``file``), makes a transparent PNG with :mod:`signer.seal_images` and
stores it as the attachment of its kind, exactly as ``POST /api/v1/uploads`` would; the page previews it from
``/api/v1/uploads/{id}`` (or over a checkerboard from ``/api/v1/uploads/{id}/preview.png``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from flask import Blueprint, request

from signer.accounts.models import Account
from signer.applications.enums import AttachmentKind
from signer.core.errors import ErrorCode, ValidationFailed
from signer.seals import seal_images

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import file_response
from ..presenters import attachment_view
from ..schemas.applications import AttachmentSchema, UploadFormSchema
from ..schemas.forms import SealToolFormSchema, SealToolOptionsSchema

bp = Blueprint("seal_tools_api", __name__, url_prefix="/api/v1")

SEAL_KINDS = (AttachmentKind.COMPANY_SEAL, AttachmentKind.LEGAL_REP_SEAL)


def _normalize(kind: AttachmentKind, scale: int) -> Callable[[bytes], bytes]:
    box = seal_images.SIGNATURE_BOX if kind == AttachmentKind.LEGAL_REP_SIGNATURE else (seal_images.SEAL_SIDE,) * 2
    return lambda data: seal_images.normalize_transparent(data, *box, scale=scale)


Maker = Callable[[AttachmentKind, int], Callable[[bytes], bytes]]  # (kind, 调整印章大小 percent) → the tool
# tool → (the attachment kinds it serves, how it makes the transparent PNG, the stored file's name suffix)
TOOLS: dict[str, tuple[tuple[AttachmentKind, ...], Maker, str]] = {
    "make-seal": ((AttachmentKind.COMPANY_SEAL,), lambda _kind, _scale: seal_images.make_seal_online, "在线制作"),
    "cut-out-signature": ((AttachmentKind.LEGAL_REP_SIGNATURE,),
                          lambda _kind, _scale: seal_images.cut_out_signature, "签字抠图"),
    "cut-out-seal": (SEAL_KINDS, lambda _kind, _scale: seal_images.cut_out_seal, "签章抠图"),
    "normalize": ((*SEAL_KINDS, AttachmentKind.LEGAL_REP_SIGNATURE), _normalize, "线下上传"),
}


@bp.post("/seal-tools/<tool>")
@doc(tag="Applications", form=SealToolFormSchema, choices={"tool": tuple(TOOLS)}, response=AttachmentSchema, status=201,
     errors=(400, 413))
@pc_login_required
def process(account: Account, tool: str):
    """B3 印章图片工具: 在线制作 (make-seal: a white-background photo of the company seal), 签字抠图
    (cut-out-signature), 签章抠图 (cut-out-seal) or 线下上传 (normalize: a transparent PNG, cropped and resized);
    the transparent PNG made is stored as the attachment of ``kind``."""
    if tool not in TOOLS:
        raise ValidationFailed("不支持的图片工具", code=ErrorCode.UNKNOWN_TOOL, details={"tool": list(TOOLS)})
    kinds, maker, label = TOOLS[tool]
    form = request.form.to_dict()
    scale = SealToolOptionsSchema().load({"scale": form.pop("scale")} if "scale" in form else {})["scale"]
    kind = UploadFormSchema().load(form)["kind"]
    if kind not in kinds:
        raise ValidationFailed("该附件不能使用此工具", details={"kind": [k.value for k in kinds]})
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("请选择要上传的图片", details={"file": ["必填"]})
    limit = min(services().lifecycle.settings.max_upload_bytes, seal_images.MAX_UPLOAD_BYTES)
    content = upload.stream.read(limit + 1)
    png = maker(kind, scale)(content)  # refuses more than ``limit`` bytes (TooLarge), other types, broken images
    stem = PurePath(upload.filename or "image").stem[:60] or "image"
    row = services().lifecycle.applications.upload(account, kind, f"{stem}-{label}.png", png, client_ip())
    return AttachmentSchema().dump(attachment_view(row)), 201


@bp.get("/uploads/<int:attachment_id>/preview.png")
@doc(tag="Applications", produces=("image/png",), errors=(400, 404))
@pc_login_required
def preview(account: Account, attachment_id: int):
    """上传结果预览: a stored seal or signature image over a light checkerboard, so its transparency shows."""
    row, data = services().lifecycle.applications.attachment(account, attachment_id)
    if not row.content_type.startswith("image/"):
        raise ValidationFailed("只有图片附件可以预览", code=ErrorCode.NOT_IMAGE)
    return file_response(seal_images.preview(data), "image/png", f"preview-{row.id}.png", inline=True)
