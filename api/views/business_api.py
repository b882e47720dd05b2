"""The business systems' API (K1, K6): create a signing request, read it, fetch the signed PDF."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from signer.errors import Conflict, ErrorCode
from signer.signing import PlacementRequest

from ..auth import bearer_token, client_ip, services
from ..schemas_business import BusinessCreateSessionSchema, BusinessSessionSchema
from .signing_api import session_form

bp = Blueprint("business_api", __name__, url_prefix="/api/v1/business")


def api_client_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(services().business.authenticate(bearer_token()), *args, **kwargs)

    return wrapper


@bp.post("/signing-sessions")
@api_client_required
def create(client):
    """K1 for a business system: upload the PDF, say where the seals go; get a hand-off link for the browser.
    ---
    post:
      tags: [Business]
      security: [{bearer: []}]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                title: {type: string}
                placements: {type: string, description: JSON list of PlacementSchema}
                pades_level: {type: string, enum: [B-B, B-T, B-LT, B-LTA]}
                signer_account_id: {type: integer}
                webhook_url: {type: string, description: "receives a WebhookEventSchema when the session ends"}
                external_ref: {type: string}
      responses:
        201: {content: {application/json: {schema: BusinessSessionSchema}}}
        401: {content: {application/json: {schema: ErrorSchema}}}
        422: {content: {application/json: {schema: ErrorSchema}}}
    """
    pdf, title, data = session_form(BusinessCreateSessionSchema)
    svc = services()
    created = svc.business.create_session(
        client, pdf, title, [PlacementRequest(**p) for p in data["placements"]], data["pades_level"],
        data["signer_account_id"], data["webhook_url"], data["external_ref"], client_ip(),
        request.headers.get("User-Agent", ""),
    )
    body = BusinessSessionSchema().dump({"session": svc.signing.state(created.session_id),
                                         "handoff_url": request.host_url.rstrip("/") + created.handoff_path})
    return body, 201


@bp.get("/signing-sessions/<session_id>")
@api_client_required
def state(client, session_id: str):
    """The session's state, for polling when webhooks are not used.
    ---
    get:
      tags: [Business]
      security: [{bearer: []}]
      parameters: [{name: session_id, in: path, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: SessionStateSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
    """
    svc = services()
    svc.business.owned_session(client, session_id)
    return svc.signing.state(session_id)


@bp.get("/signing-sessions/<session_id>/signed.pdf")
@api_client_required
def signed_pdf(client, session_id: str):
    """K6: the signed PDF for the business system that asked for it.
    ---
    get:
      tags: [Business]
      security: [{bearer: []}]
      parameters: [{name: session_id, in: path, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/pdf: {}}}
        409: {content: {application/json: {schema: ErrorSchema}}}
    """
    svc = services()
    row = svc.business.owned_session(client, session_id)
    if row.signed_sha256 is None:
        raise Conflict("文件尚未签署完成", code=ErrorCode.NOT_SIGNED)
    name = quote(f"{row.title}-已签署.pdf")
    return Response(svc.store.get(row.signed_sha256), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}",
                             "Cache-Control": "no-store"})
