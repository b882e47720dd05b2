"""The PC pages in the member-center frame: login, the signing pages (upload → place the seals → QR; K1–K3,
K6) and the public verification page (K7)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from signer.accounts.models import Account
from signer.core.errors import DomainError, NotAuthenticated, RateLimited
from signer.signing.drafts import pades_levels, seal_palette

from ..auth import check_csrf, client_ip, csrf_token, current_account, login_pc, logout_pc, services
from ..http import binding_token, draft_token, set_binding_cookie
from ..schemas.signing import DraftSchema, SessionStateSchema
from .error_pages import error_page
from .frame import enterprise_page, landing, render_page

bp = Blueprint("pages", __name__)
MAX_PREVIEW_PAGES = 200  # pages shown on the placement page; later pages take a seal by its page number
SIGN_TRAIL: list[Any] = ["证书服务", ("扫码签章", "pages.sign_new")]
ERROR_STATUS = {"not_found": 404, "draft_not_found": 404, "draft_expired": 410}


def _render(template: str, **context: Any):
    """A page outside the frame (the login page)."""
    return render_template(template, account=current_account(), csrf_token=csrf_token(), **context)


def _member(template: str, active: str, trail: list[Any], **context: Any):
    """A page inside the member-center frame (left menu, breadcrumb)."""
    return render_page(template, active, trail, **context)


def _error(exc: DomainError, trail: list[Any], default: int = 403):
    return error_page(ERROR_STATUS.get(exc.code, default), exc.message, "pages.sign_new", trail)


def _safe_next(target: str | None, account: Account) -> str:
    """Only same-site relative paths; anything else goes to the account's own start page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return landing(account)
    return target


@bp.get("/")
def index():
    return redirect(landing(current_account()))


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
    return redirect(_safe_next(next_url, account))


@bp.post("/logout")
def logout():
    check_csrf()
    logout_pc()
    return redirect(url_for("pages.login"))


@bp.get("/sign")
@enterprise_page
def sign_new(account: Account):
    """Step 1: upload the PDF (validated on the server, its pages rendered)."""
    limit = current_app.config["SIGNER"].max_pdf_bytes
    return _member("sign_new.html", "pages.sign_new", [*SIGN_TRAIL, "上传文件"], max_bytes=limit,
                   max_mb=limit // (1024 * 1024))


@bp.get("/sign/draft/<draft_id>")
@enterprise_page
def sign_place(account: Account, draft_id: str):
    """Step 2: the page previews; drag the seals onto them, choose the PAdES level, start."""
    trail = [*SIGN_TRAIL, "放置印章"]
    drafts = services().drafts
    try:
        draft = DraftSchema().dump(drafts.view(drafts.for_pc(draft_id, account, draft_token(draft_id))))
    except DomainError as exc:
        return _error(exc, trail)
    without = {kind.value for kind in services().seals.without_image(account.id)}
    palette = [dict(s, image_url=None if s["seal"] in without
                    else url_for("drafts_api.seal_png", draft_id=draft_id, kind=s["seal"]))
               for s in seal_palette()]
    return _member("sign_place.html", "pages.sign_new", trail, draft=draft, palette=palette,
                   levels=pades_levels(), previews=draft["pages"][:MAX_PREVIEW_PAGES])


@bp.get("/sign/handoff/<token>")
@enterprise_page
def sign_handoff(account: Account, token: str):
    """A business system's link: this (logged-in) browser becomes the session's page, once."""
    try:
        session_id, binding = services().business.redeem_handoff(token, account, client_ip())
    except DomainError as exc:
        return _error(exc, SIGN_TRAIL, 409)
    resp = redirect(url_for("pages.sign_session", session_id=session_id))
    set_binding_cookie(resp, session_id, binding)
    return resp


@bp.get("/sign/<session_id>")
@enterprise_page
def sign_session(account: Account, session_id: str):
    """Step 3: the QR code and the live status."""
    trail = [*SIGN_TRAIL, "扫码签署"]
    svc = services()
    try:
        svc.signing.for_pc(session_id, account, binding_token(session_id))
        state = SessionStateSchema().dump(svc.signing.state(session_id))
    except DomainError as exc:
        return _error(exc, trail)
    levels = {level["value"]: level["label"] for level in pades_levels()}
    return _member("sign_session.html", "pages.sign_new", trail, session_id=session_id, state=state,
                   level_label=levels.get(state["pades_level"], state["pades_level"]),
                   draft_id=svc.drafts.draft_of_session(session_id))


@bp.get("/verify")
def verify():
    """K7 验证签名: public, no login; the page posts the file to ``POST /api/v1/verify``."""
    limit = current_app.config["SIGNER"].max_pdf_bytes
    return _member("verify.html", "pages.verify", ["证书服务", "验证签名"], max_bytes=limit,
                   max_mb=limit // (1024 * 1024))
