"""PC login (server-side login session behind a signed cookie, + CSRF token) and APP bearer tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import current_app, g, request, session

from signer.accounts.models import Account
from signer.accounts.service import AppIdentity
from signer.core.errors import ErrorCode, Forbidden, NotAuthenticated

if TYPE_CHECKING:  # signer.app builds the Flask app from api/, so only the type is imported here
    from signer.app import Services

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
SESSION_LOGIN_KEY = "login"  # the cookie's key for the login-session token (signer/accounts/login_sessions.py)


def services() -> Services:
    found: Services = current_app.extensions["signer"]
    return found


def client_ip() -> str:
    """The peer address (a proxy in front sets it with ProxyFix; we never trust raw headers here)."""
    return request.remote_addr or ""


def login_pc(account: Account) -> str:
    """Start a server-side login session; the signed cookie carries only its random token."""
    sessions = services().accounts.sessions
    sessions.end(session.get(SESSION_LOGIN_KEY), client_ip())  # a new login in this browser replaces the old
    token = sessions.start(account, client_ip(), request.headers.get("User-Agent", ""))
    session.clear()
    session[SESSION_LOGIN_KEY] = token
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    return session["csrf"]


def logout_pc() -> None:
    """End the login session on the server, so a copy of the old cookie is refused too."""
    services().accounts.sessions.end(session.get(SESSION_LOGIN_KEY), client_ip())
    session.clear()
    g.pop("pc_account", None)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Every state-changing request made with the session cookie must carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("CSRF 校验失败，请刷新页面后重试", code=ErrorCode.CSRF_FAILED)


def _same_origin(origin: str) -> bool:
    allowed = {request.host_url.rstrip("/"), *(current_app.config["SIGNER"].origins() or [])}
    return origin.rstrip("/") in allowed


def check_public_csrf() -> None:
    """CSRF for an endpoint anyone may call without logging in (K7 verify).

    A browser's cross-site request is refused by its Origin / Sec-Fetch-Site headers; a browser request
    (either header, or our session cookie, which every visitor of our pages holds) must also carry the
    session's token, like a logged-in request. A non-browser client (no cookie, no Origin) needs neither.
    """
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if (origin is not None and not _same_origin(origin)) or site in ("cross-site", "same-site"):
        raise Forbidden("不允许跨站提交，请在本站页面上操作", code=ErrorCode.CSRF_FAILED)
    if origin is not None or site is not None or current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        check_csrf()


def current_account() -> Account | None:
    if "pc_account" not in g:
        g.pc_account = services().accounts.sessions.account_for(session.get(SESSION_LOGIN_KEY))
    return g.pc_account


def pc_login_required(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = current_account()
        if account is None:
            raise NotAuthenticated("请先登录", code=ErrorCode.LOGIN_REQUIRED)
        check_csrf()
        return fn(account, *args, **kwargs)

    return cast(F, wrapper)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    return None


def app_login_required(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who: AppIdentity = services().accounts.identify_app(bearer_token())
        return fn(who, *args, **kwargs)

    return cast(F, wrapper)
