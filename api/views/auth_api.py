"""PC login over JSON (for business tooling and the demo): sets the session cookie, returns the CSRF token."""

from __future__ import annotations

from flask import Blueprint, request

from ..auth import client_ip, login_pc, logout_pc, services
from ..schemas import LoginSchema, PcLoginResultSchema

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth")


@bp.post("/login")
def login():
    """PC login; later state-changing calls send the returned token in ``X-CSRF-Token``.
    ---
    post:
      tags: [PC]
      requestBody: {content: {application/json: {schema: LoginSchema}}}
      responses:
        200: {content: {application/json: {schema: PcLoginResultSchema}}}
        401: {content: {application/json: {schema: ErrorSchema}}}
        429: {content: {application/json: {schema: ErrorSchema}}}
    """
    data = LoginSchema().load(request.get_json(silent=True) or {})
    account = services().accounts.authenticate(data["username"], data["password"], client_ip())
    token = login_pc(account)
    return PcLoginResultSchema().dump({"account": account, "csrf_token": token})


@bp.post("/logout")
def logout():
    """End the PC session.
    ---
    post:
      tags: [PC]
      responses: {200: {description: logged out}}
    """
    logout_pc()
    return {}
