"""The member center's frame (会员中心): the left menu, the breadcrumb (as the manual draws them) and the login
check of every page.

An entry whose page does not exist in this app (its endpoint is not registered) is shown disabled, never as
a dead link: the certificate-lifecycle pages light up here once their endpoints are registered.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, url_for

from signer.accounts.enums import Role

from ..auth import current_account


@dataclass(frozen=True)
class Entry:
    label: str
    endpoint: str | None = None


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


# endpoint None: the page is not built yet.
MENU: tuple[Group, ...] = (
    Group("个人中心", (Entry("个人中心"),)),
    Group("证书服务", (Entry("证书管理", "member_pages.certificates"), Entry("扫码签章", "pages.sign_new"),
                   Entry("验证签名", "pages.verify"))),
    Group("采购订单", (Entry("订单管理", "member_pages.orders"),)),
    Group("发票信息", (Entry("发票信息", "member_pages.invoices"),)),
)


def menu(active: str | None) -> list[dict]:
    """The menu for a template: each entry with its URL (None when disabled) and whether it is current."""
    known = current_app.view_functions
    return [
        {"label": group.label, "entries": [
            {"label": e.label, "url": url_for(e.endpoint) if e.endpoint and e.endpoint in known else None,
             "active": e.endpoint is not None and e.endpoint == active}
            for e in group.entries]}
        for group in MENU
    ]


def crumbs(*labels: str | tuple[str, str]) -> list[dict]:
    """会员中心 › …: plain labels, or (label, endpoint) pairs that link."""
    out: list[dict] = [{"label": "会员中心", "url": None}]
    for item in labels:
        label, endpoint = item if isinstance(item, tuple) else (item, None)
        out.append({"label": label, "url": url_for(endpoint) if endpoint else None})
    return out


def page_login_required(view: Callable[..., Any] | None = None, *, roles: Collection[Role] = ()) -> Any:
    """A page for logged-in accounts: the view gets the account first; a visitor goes to the login page and
    comes back here after logging in. With ``roles``, other accounts get 403 (the domain checks again)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            if roles and account.role not in roles:
                abort(403)
            return fn(account, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
