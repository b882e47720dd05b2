"""PC login over JSON (for business tooling and the demo): sets the session cookie, returns the CSRF token.

Also an enterprise administrator's view of an account's login sessions, and ending them.
"""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.models import Account

from ..apidoc import doc
from ..auth import check_csrf, client_ip, login_pc, logout_pc, pc_login_required, services
from ..schemas.accounts import EndedSessionsSchema, LoginSchema, LoginSessionListSchema, PcLoginResultSchema

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


@bp.post("/auth/login")
@doc(tag="PC", request=LoginSchema, response=PcLoginResultSchema, errors=(401, 429))
def login():
    """PC login; later state-changing calls send the returned token in ``X-CSRF-Token``."""
    data = LoginSchema().load(request.get_json(silent=True) or {})
    account = services().accounts.authenticate(data["username"], data["password"], client_ip())
    token = login_pc(account)
    return PcLoginResultSchema().dump({"account": account, "csrf_token": token})


@bp.post("/auth/logout")
@doc(tag="PC", description="logged out", errors=(403,))
def logout():
    """End the PC session on the server (requires the CSRF token, like every state change)."""
    check_csrf()
    logout_pc()
    return {}


@bp.get("/accounts/<int:account_id>/sessions")
@doc(tag="PC", response=LoginSessionListSchema, errors=(403, 404))
@pc_login_required
def account_sessions(admin: Account, account_id: int):
    """An account's active PC login sessions (企业管理员, own enterprise only)."""
    return LoginSessionListSchema().dump({"items": services().accounts.sessions.active(admin, account_id)})


@bp.post("/accounts/<int:account_id>/sessions/<session_id>/end")
@doc(tag="PC", response=EndedSessionsSchema, errors=(403, 404))
@pc_login_required
def end_account_session(admin: Account, account_id: int, session_id: str):
    """End one of an account's login sessions: that browser is logged out at its next request."""
    ended = services().accounts.sessions.end_by_admin(admin, account_id, session_id[:64], client_ip())
    return EndedSessionsSchema().dump({"ended": ended})


@bp.post("/accounts/<int:account_id>/sessions/end-all")
@doc(tag="PC", response=EndedSessionsSchema, errors=(403, 404))
@pc_login_required
def end_all_account_sessions(admin: Account, account_id: int):
    """End every login session of an account."""
    ended = services().accounts.sessions.end_by_admin(admin, account_id, None, client_ip())
    return EndedSessionsSchema().dump({"ended": ended})
