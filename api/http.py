"""Request and response helpers shared by the JSON views, the HTML pages and the Socket.IO namespaces.

Views never import each other: whatever two of them need lives here (parsing a body or a form, answering with
a file, the cookies that bind a signing session or a draft to one browser).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from signer.core.errors import ValidationFailed

BINDING_COOKIE = "sb_{}"
DRAFT_COOKIE = "sd_{}"
DEFAULT_PLACEMENT = {"seal": "company", "page": 1, "x": 380, "y": 80, "width": 160, "height": 80}


def json_body() -> dict[str, Any]:
    """The request's JSON object ({} when there is no body)."""
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        raise ValidationFailed("请求体应为JSON对象")
    return body or {}


def json_response(body: Any, status: int) -> Response:
    """JSON with Chinese kept readable (for answers that also set a cookie)."""
    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                      mimetype="application/json")


def file_response(data: bytes, content_type: str, filename: str, inline: bool = False) -> Response:
    """A private file: never cached, never run as a page of this origin."""
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype=content_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store", "Content-Security-Policy": "default-src 'none'; sandbox"})


def binding_token(session_id: str) -> str | None:
    """The cookie that binds a signing session to the browser that created it."""
    return request.cookies.get(BINDING_COOKIE.format(session_id))


def set_binding_cookie(resp: BaseResponse, session_id: str, token: str) -> None:
    """Only this browser gets the session's result. Lax, not Strict: a business system's hand-off link arrives
    by a cross-site navigation, and the redirect to the page must carry the cookie."""
    resp.set_cookie(BINDING_COOKIE.format(session_id), token, max_age=3600, httponly=True, samesite="Lax",
                    secure=current_app.config["SIGNER"].secure_cookies, path="/")


def draft_token(draft_id: str) -> str | None:
    """The cookie that binds a draft to the browser that uploaded it."""
    return request.cookies.get(DRAFT_COOKIE.format(draft_id))


def session_form(schema: type[Schema]) -> tuple[bytes, str, dict[str, Any]]:
    """The multipart form that creates a session (PC page and business API): the PDF (read up to one byte past
    the limit, so the domain can say it is too large), its title (default: the file name) and the fields."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("请选择要签署的PDF文件", details={"file": ["必填"]})
    raw: dict[str, Any] = request.form.to_dict()
    try:
        raw["placements"] = json.loads(raw["placements"]) if raw.get("placements") else [DEFAULT_PLACEMENT]
    except json.JSONDecodeError as exc:
        raise ValidationError({"placements": ["不是有效的JSON"]}) from exc
    if raw.get("signer_account_id") in ("", None):
        raw.pop("signer_account_id", None)
    else:
        try:
            raw["signer_account_id"] = int(raw["signer_account_id"])
        except ValueError as exc:
            raise ValidationError({"signer_account_id": ["需要整数"]}) from exc
    data = schema().load(raw)
    pdf = upload.stream.read(current_app.config["SIGNER"].max_pdf_bytes + 1)
    title = data["title"] or (upload.filename or "").rsplit("/", 1)[-1].removesuffix(".pdf")
    return pdf, title, data
