"""The PC pages of the signing loop: login, start a signing, the QR page (K1–K3, K6)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from signer.errors import DomainError, NotAuthenticated, RateLimited

from ..auth import check_csrf, client_ip, csrf_token, current_account, login_pc, logout_pc, services
from .signing_api import binding_token, set_binding_cookie

bp = Blueprint("pages", __name__)


def _render(template: str, **context):
    return render_template(template, account=current_account(), csrf_token=csrf_token(), **context)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("pages.sign_new")
    return target


@bp.get("/")
def index():
    return redirect(url_for("pages.sign_new") if current_account() else url_for("pages.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.args.get("next")
    if request.method == "GET":
        return _render("login.html", next=next_url)
    check_csrf()
    username = request.form.get("username", "")[:64]
    try:
        account = services().accounts.authenticate(username, request.form.get("password", "")[:128],
                                                   client_ip())
    except (NotAuthenticated, RateLimited) as exc:
        return _render("login.html", next=next_url, error=exc.message, username=username), (
            429 if isinstance(exc, RateLimited) else 401)
    login_pc(account)
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout():
    check_csrf()
    logout_pc()
    return redirect(url_for("pages.login"))


def _login_redirect():
    return redirect(url_for("pages.login", next=request.path))


@bp.get("/sign")
def sign_new():
    if current_account() is None:
        return _login_redirect()
    return _render("sign_new.html", max_mb=current_app.config["SIGNER"].max_pdf_bytes // (1024 * 1024))


@bp.get("/sign/handoff/<token>")
def sign_handoff(token: str):
    """A business system's link: this (logged-in) browser becomes the session's page, once."""
    account = current_account()
    if account is None:
        return _login_redirect()
    try:
        session_id, binding = services().business.redeem_handoff(token, account, client_ip())
    except DomainError as exc:
        return _render("error.html", message=exc.message), 404 if exc.code == "not_found" else 409
    resp = redirect(url_for("pages.sign_session", session_id=session_id))
    set_binding_cookie(resp, session_id, binding)
    return resp


@bp.get("/sign/<session_id>")
def sign_session(session_id: str):
    account = current_account()
    if account is None:
        return _login_redirect()
    svc = services()
    try:
        svc.signing.for_pc(session_id, account, binding_token(session_id))
        state = svc.signing.state(session_id)
    except DomainError as exc:
        return _render("error.html", message=exc.message), 404 if exc.code == "not_found" else 403
    return _render("sign_session.html", session_id=session_id, state=state)
