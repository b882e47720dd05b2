"""Signing sessions for the PC (K1, K2, K6): create from an upload, state, QR image, cancel, download."""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from signer.accounts.models import Account
from signer.core.errors import ErrorCode
from signer.signing.service import PlacementRequest

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import binding_token, session_form, set_binding_cookie
from ..schemas.forms import SigningSessionFormSchema
from ..schemas.signing import CreateSessionSchema, SessionStateSchema

bp = Blueprint("signing_api", __name__, url_prefix="/api/v1/signing-sessions")
STATE_SCHEMA = SessionStateSchema()  # built once: a schema instance holds no per-dump state


@bp.post("")
@doc(tag="Signing", form=SigningSessionFormSchema, response=SessionStateSchema, status=201,
     description="created; the binding cookie is set for this browser", errors=(413, 422))
@pc_login_required
def create(account: Account):
    """K1: upload a PDF (multipart field ``file``) and say where the seals go."""
    pdf, title, data = session_form(CreateSessionSchema)
    placements = [PlacementRequest(**p) for p in data["placements"]]
    svc = services()
    row, token = svc.signing.create(account, pdf, title, placements, client_ip(),
                                    request.headers.get("User-Agent", ""),
                                    allowed_account_id=data["signer_account_id"], pades_level=data["pades_level"])
    state = svc.signing.new_state(row)
    resp = current_app.response_class(json.dumps(STATE_SCHEMA.dump(state), ensure_ascii=False),
                                      status=201, mimetype="application/json")
    set_binding_cookie(resp, row.id, token)
    return resp


@bp.get("/<session_id>")
@doc(tag="Signing", response=SessionStateSchema, errors=(403,))
@pc_login_required
def state(account: Account, session_id: str):
    """The session's current state (the page re-reads it after a reconnect)."""
    return STATE_SCHEMA.dump(services().signing.pc_state(session_id, account, binding_token(session_id)))


@bp.get("/<session_id>/qr.png")
@doc(tag="Signing", produces=("image/png",), errors=(409,))
@pc_login_required
def qr_png(account: Account, session_id: str):
    """The current QR frame as PNG (the page gets each frame's text over Socket.IO and draws it)."""
    from signer.core.errors import Conflict

    svc = services()
    svc.signing.for_pc(session_id, account, binding_token(session_id))
    payload = svc.signing.frame_payload(session_id)
    if payload is None:
        raise Conflict("该会话已不再等待扫码", code=ErrorCode.NOT_WAITING)
    return Response(svc.signing.frame_png(payload), mimetype="image/png",
                    headers={"Cache-Control": "no-store"})


@bp.post("/<session_id>/cancel")
@doc(tag="Signing", response=SessionStateSchema, errors=(409,))
@pc_login_required
def cancel(account: Account, session_id: str):
    """Cancel from the PC (any non-terminal state)."""
    svc = services()
    svc.signing.cancel(account, binding_token(session_id), session_id, client_ip())
    return STATE_SCHEMA.dump(svc.signing.state(session_id))


@bp.get("/<session_id>/signed/pages/<int:number>.png")
@doc(tag="Signing", produces=("image/png",), errors=(404, 409))
@pc_login_required
def signed_page_png(account: Account, session_id: str, number: int):
    """A page of the signed PDF that carries a seal, rendered (PNG), for the browser that created the session."""
    png = services().signing.signed_page_png(account, binding_token(session_id), session_id, number)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/<session_id>/signed.pdf")
@doc(tag="Signing", produces=("application/pdf",), errors=(409,))
@pc_login_required
def signed_pdf(account: Account, session_id: str):
    """K6: the signed PDF, for the browser that created the session."""
    title, data = services().signing.signed_pdf(account, binding_token(session_id), session_id)
    name = quote(f"{title}-已签署.pdf")
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}",
                             "Cache-Control": "no-store"})
