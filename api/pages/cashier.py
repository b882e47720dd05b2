"""收银台 of the sandbox payment provider (B5): a page that pays the order through the provider's own
signed notification, so the sandbox takes exactly the path a real gateway's notification takes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from signer.accounts.models import Account
from signer.core.errors import DomainError

from ..auth import check_csrf, client_ip, services
from ..presenters import order_view
from .error_pages import error_page
from .frame import enterprise_page, render_page

bp = Blueprint("cashier", __name__)


def _page(account: Account, order_no: str, **context: Any) -> Any:
    """The cashier of one order: who pays (the enterprise), what for, how much; 404 for another's order."""
    svc = services()
    lc = svc.lifecycle
    trail = ["采购订单", ("订单管理", "member_pages.orders"), "收银台"]
    try:
        order = lc.orders.get(account, order_no)
    except DomainError as exc:
        return error_page(404, exc.message, "member_pages.orders", trail)
    return render_page("cashier.html", "member_pages.orders", trail, order=order_view(lc.orders.facts(order)),
                       payer=svc.enterprise_name(order.enterprise_id), **context)


@bp.get("/pay/sandbox/<order_no>")
@enterprise_page
def cashier(account: Account, order_no: str):
    return _page(account, order_no)


@bp.post("/pay/sandbox/<order_no>")
@enterprise_page
def pay(account: Account, order_no: str):
    check_csrf()
    try:
        services().lifecycle.payments.sandbox_pay(account, order_no, client_ip())
    except DomainError as exc:
        return _page(account, order_no, error=exc.message)
    return _page(account, order_no, paid=True)
