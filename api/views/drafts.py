"""Signing drafts for the PC page (K1): upload a PDF, see its pages, place the seals, start the session."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request

from signer.accounts.models import Account
from signer.core.errors import ErrorCode, NotFound, ValidationFailed
from signer.seals.enums import SealKind
from signer.signing.drafts import DRAFT_TTL
from signer.signing.service import PlacementRequest

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import DRAFT_COOKIE, draft_token, json_response, set_binding_cookie
from ..schemas.forms import DraftUploadFormSchema
from ..schemas.signing import DraftSchema, SessionStateSchema, StartDraftSchema

bp = Blueprint("drafts_api", __name__, url_prefix="/api/v1/drafts")


@bp.post("")
@doc(tag="Signing", form=DraftUploadFormSchema, response=DraftSchema, status=201,
     description="the draft; a cookie binds it to this browser",
     errors=(400, 413, (422, "not a PDF, encrypted, unreadable, a decompression bomb, too complex or with active "
                             "content (details.file says why)"),
             (429, "too_many_uploads (the enterprise's uploads in processing are at the cap)")))
@pc_login_required
def create(account: Account):
    """Upload the PDF to sign (multipart ``file``, optional ``title``): validated, pages rendered for placing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要签署的PDF文件", details={"file": ["请选择要签署的PDF文件"]})
    title = request.form.get("title", "")[:200] or re.sub(r"(?i)\.pdf$", "", upload.filename.rsplit("/", 1)[-1])
    pdf = upload.stream.read(current_app.config["SIGNER"].max_pdf_bytes + 1)
    drafts = services().drafts
    row, token = drafts.create(account, pdf, title, client_ip())
    resp = json_response(DraftSchema().dump(drafts.view(row)), 201)
    resp.set_cookie(DRAFT_COOKIE.format(row.id), token, max_age=int(DRAFT_TTL.total_seconds()), httponly=True,
                    samesite="Strict", secure=current_app.config["SIGNER"].secure_cookies, path="/")
    return resp


@bp.get("/<draft_id>")
@doc(tag="Signing", response=DraftSchema, errors=(403, 410))
@pc_login_required
def get(account: Account, draft_id: str):
    """The draft: pages with their geometry and preview URLs, the last placements."""
    drafts = services().drafts
    return DraftSchema().dump(drafts.view(drafts.for_pc(draft_id, account, draft_token(draft_id))))


@bp.get("/<draft_id>/pages/<int:number>.png")
@doc(tag="Signing", produces=("image/png",), errors=(404,))
@pc_login_required
def page_png(account: Account, draft_id: str, number: int):
    """A page preview (PNG, rotation applied, about 800 px wide)."""
    drafts = services().drafts
    png = drafts.page_png(drafts.for_pc(draft_id, account, draft_token(draft_id)), number)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/<draft_id>/seals/<kind>.png")
@doc(tag="Signing", produces=("image/png",), errors=(404,))
@pc_login_required
def seal_png(account: Account, draft_id: str, kind: str):
    """The seal image dragged onto the pages (company, legal_rep, handwritten), as this account would sign it."""
    svc = services()
    svc.drafts.for_pc(draft_id, account, draft_token(draft_id))
    png = svc.seals.preview_image(account.id, SealKind(kind)) if kind in set(SealKind) else None
    if png is None:
        raise NotFound("没有该印章的图片", code=ErrorCode.NOT_FOUND)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=600"})


@bp.post("/<draft_id>/start")
@doc(tag="Signing", request=StartDraftSchema, response=SessionStateSchema, status=201,
     description="the session; its binding cookie is set for this browser",
     errors=(400, 410, (422, "a seal is off its page")))
@pc_login_required
def start(account: Account, draft_id: str):
    """Start the signing session with the seals placed (JSON body); the QR page follows."""
    data = StartDraftSchema().load(request.get_json(silent=True) or {})
    svc = services()
    placements = [PlacementRequest(**p) for p in data["placements"]]
    row, token = svc.drafts.start(account, draft_token(draft_id), draft_id, data["title"], placements,
                                  data["pades_level"], client_ip(), request.headers.get("User-Agent", ""))
    resp = json_response(SessionStateSchema().dump(svc.signing.new_state(row)), 201)
    set_binding_cookie(resp, row.id, token)
    return resp
