"""The member center's frame (会员中心): the left menu of each role, where each role lands, the breadcrumb (as
the manual draws them), the login and role check of every page, and the one renderer of a framed page.

An entry whose page does not exist in this app (its endpoint is not registered) is shown disabled, never as
a dead link: the certificate-lifecycle pages light up here once their endpoints are registered.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, send_from_directory, url_for

from signer.accounts import access
from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.core.errors import ErrorCode, Forbidden
from signer.core.timeutil import beijing_text

from ..auth import csrf_token, current_account, services

ENTERPRISE = access.ENTERPRISE_ROLES
REVIEWERS = frozenset({Role.REVIEWER})


@dataclass(frozen=True)
class Entry:
    label: str
    endpoint: str | None = None


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


# endpoint None: the page is not built yet.
ENTERPRISE_MENU: tuple[Group, ...] = (
    Group("个人中心", (Entry("个人中心"),)),
    Group("证书服务", (Entry("证书管理", "member_pages.certificates"), Entry("扫码签章", "pages.sign_new"),
                   Entry("验证签名", "pages.verify"))),
    Group("采购订单", (Entry("订单管理", "member_pages.orders"),)),
    Group("发票信息", (Entry("发票信息", "member_pages.invoices"),)),
)
# Platform staff review the enterprises' applications; they have no enterprise, so no certificates or orders.
REVIEWER_MENU: tuple[Group, ...] = (
    Group("平台审核", (Entry("审核管理", "member_pages.review_queue"),)),
    Group("证书服务", (Entry("验证签名", "pages.verify"),)),
)
MENUS: dict[Role, tuple[Group, ...]] = {Role.ADMIN: ENTERPRISE_MENU, Role.OPERATOR: ENTERPRISE_MENU,
                                        Role.REVIEWER: REVIEWER_MENU}
LANDING: dict[Role, str] = {Role.ADMIN: "pages.sign_new", Role.OPERATOR: "pages.sign_new",
                            Role.REVIEWER: "member_pages.review_queue"}
PUBLIC_LANDING = "pages.verify"  # an account without a page of its own (a business system's) gets the public one


def menu(active: str | None, account: Account | None = None) -> list[dict]:
    """The menu of ``account``'s role for a template: each entry with its URL (None when disabled) and whether
    it is current. Without an account there is no menu."""
    if account is None:
        return []
    known = current_app.view_functions
    return [
        {"label": group.label, "entries": [
            {"label": e.label, "url": url_for(e.endpoint) if e.endpoint and e.endpoint in known else None,
             "active": e.endpoint is not None and e.endpoint == active}
            for e in group.entries]}
        for group in MENUS.get(account.role, ())
    ]


def landing(account: Account | None) -> str:
    """Where ``account`` starts: its role's work (the review queue for a reviewer), or the login page."""
    if account is None:
        return url_for("pages.login")
    return url_for(LANDING.get(account.role, PUBLIC_LANDING))


def crumbs(*labels: str | tuple[str, str]) -> list[dict]:
    """会员中心 › …: plain labels, or (label, endpoint) pairs that link."""
    out: list[dict] = [{"label": "会员中心", "url": None}]
    for item in labels:
        label, endpoint = item if isinstance(item, tuple) else (item, None)
        out.append({"label": label, "url": url_for(endpoint) if endpoint else None})
    return out


def render_page(template: str, active: str | None, trail: list[Any], **context: Any) -> str:
    """A page inside the frame: the welcome line with the account and its enterprise, the role's menu, the
    breadcrumb."""
    account = current_account()
    enterprise = services().enterprise_name(account.enterprise_id) if account else ""
    return render_template(template, account=account, csrf_token=csrf_token(), enterprise_name=enterprise,
                           menu=menu(active, account), crumbs=crumbs(*trail), home_url=landing(account),
                           **context)


def _refuse(account: Account, roles: Collection[Role]) -> None:
    """Forbidden (in Chinese) unless ``account`` has one of ``roles``."""
    if account.role in roles:
        return
    if roles == ENTERPRISE:
        access.enterprise_member(account)
    if roles == REVIEWERS:
        access.reviewer(account)
    raise Forbidden("您的账号无权访问此页面", code=ErrorCode.FORBIDDEN)


def page_login_required(view: Callable[..., Any] | None = None, *, roles: Collection[Role] = ()) -> Any:
    """A page for logged-in accounts: the view gets the account first; a visitor goes to the login page and
    comes back here after logging in. With ``roles``, other accounts get the 403 page (the domain checks
    again)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            if roles:
                _refuse(account, roles)
            return fn(account, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


enterprise_page = page_login_required(roles=ENTERPRISE)
reviewer_page = page_login_required(roles=REVIEWERS)


def install(app: Flask) -> None:
    """What every page shares beyond its blueprint: the one time filter of the templates and the favicon."""
    app.add_template_filter(beijing_text, "cst")

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return send_from_directory(app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml",
                                   max_age=86400)
