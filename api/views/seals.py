"""K7 verification (public) and H5 the APP's handwritten signature."""

from __future__ import annotations

import io

from flask import Blueprint, request
from PIL import Image

from signer.accounts.service import AppIdentity
from signer.core.errors import ErrorCode, NotFound, ValidationFailed

from ..apidoc import doc
from ..auth import app_login_required, check_public_csrf, client_ip, services
from ..schemas.forms import VerifyFormSchema
from ..schemas.seals import HandwritingResultSchema, HandwritingSchema
from ..schemas.verification import VerificationSchema

bp = Blueprint("seals_api", __name__, url_prefix="/api/v1")


@bp.post("/verify")
@doc(tag="Verify", form=VerifyFormSchema, response=VerificationSchema, description="per signature and overall",
     errors=(400, 413, (422, "not a readable PDF"), (403, "a cross-site or token-less browser request"), 429))
def verify():
    """K7 验证签章: anyone may upload a PDF (multipart ``file``); no login, rate-limited per address.
    A browser (Origin header or session cookie) must be on this site and send ``X-CSRF-Token``; other clients
    need no token."""
    check_public_csrf()
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("请选择要验证的PDF文件", details={"file": ["必填"]})
    svc = services()
    pdf = upload.stream.read(svc.config.max_pdf_bytes + 1)
    return VerificationSchema().dump(svc.verification.verify(pdf, client_ip()))


def _result(png: bytes, updated_at: str) -> dict:
    with Image.open(io.BytesIO(png)) as img:
        width, height = img.size
    return HandwritingResultSchema().dump({"png": png, "width": width, "height": height, "updated_at": updated_at})


@bp.put("/app/handwriting")
@doc(tag="APP", request=HandwritingSchema, response=HandwritingResultSchema, description="the stored image",
     errors=(400,), bearer=True)
@app_login_required
def set_handwriting(who: AppIdentity):
    """H5 设置手写签名: pen strokes (points with pressure) or a transparent PNG; stored for the account."""
    data = HandwritingSchema().load(request.get_json(silent=True) or {})
    svc = services()
    row = svc.seals.set_handwriting(who.account, strokes=data["strokes"], png=data["png"], ip=client_ip())
    return _result(svc.store.get(row.image_sha256), row.updated_at.isoformat())


@bp.get("/app/handwriting")
@doc(tag="APP", response=HandwritingResultSchema, errors=(404,), bearer=True)
@app_login_required
def get_handwriting(who: AppIdentity):
    """H5: the account's current handwritten signature."""
    svc = services()
    row = svc.seals.handwriting_record(who.account.id)
    if row is None:
        raise NotFound("尚未设置手写签名", code=ErrorCode.NO_HANDWRITING)
    return _result(svc.store.get(row.image_sha256), row.updated_at.isoformat())

