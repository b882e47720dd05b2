"""The business systems' API (K1, K6): create a signing request, read it, fetch the signed PDF."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request, url_for

from signer.core.errors import Conflict, ErrorCode
from signer.signing.service import PlacementRequest

from ..apidoc import doc
from ..auth import bearer_token, client_ip, services
from ..http import session_form
from ..schemas.business import BusinessCreateSessionSchema, BusinessSessionSchema
from ..schemas.forms import BusinessSessionFormSchema
from ..schemas.signing import SessionStateSchema

bp = Blueprint("business_api", __name__, url_prefix="/api/v1/business")


def api_client_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(services().business.authenticate(bearer_token()), *args, **kwargs)

    return wrapper


@bp.post("/signing-sessions")
@doc(tag="Business", form=BusinessSessionFormSchema, response=BusinessSessionSchema, status=201,
     errors=(401, 422), bearer=True)
@api_client_required
def create(client):
    """K1 for a business system: upload the PDF, say where the seals go; get a hand-off link for the browser."""
    pdf, title, data = session_form(BusinessCreateSessionSchema)
    svc = services()
    created = svc.business.create_session(
        client, pdf, title, [PlacementRequest(**p) for p in data["placements"]], data["pades_level"],
        data["signer_account_id"], data["webhook_url"], data["external_ref"], client_ip(),
        request.headers.get("User-Agent", ""),
    )
    handoff_url = url_for("pages.sign_handoff", token=created.handoff_token, _external=True)
    body = BusinessSessionSchema().dump({"session": svc.signing.state(created.session_id), "handoff_url": handoff_url})
    return body, 201


@bp.get("/signing-sessions/<session_id>")
@doc(tag="Business", response=SessionStateSchema, errors=(404,), bearer=True)
@api_client_required
def state(client, session_id: str):
    """The session's state, for polling when webhooks are not used."""
    svc = services()
    svc.business.owned_session(client, session_id)
    return SessionStateSchema().dump(svc.signing.state(session_id))


@bp.get("/signing-sessions/<session_id>/signed.pdf")
@doc(tag="Business", produces=("application/pdf",), errors=(409,), bearer=True)
@api_client_required
def signed_pdf(client, session_id: str):
    """K6: the signed PDF for the business system that asked for it."""
    svc = services()
    row = svc.business.owned_session(client, session_id)
    if row.signed_sha256 is None:
        raise Conflict("文件尚未签署完成", code=ErrorCode.NOT_SIGNED)
    name = quote(f"{row.title}-已签署.pdf")
    return Response(svc.store.get(row.signed_sha256), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}",
                             "Cache-Control": "no-store"})
