"""收银台 of the sandbox payment provider (B5): a page that pays the order through the provider's own
signed notification, so the sandbox takes exactly the path a real gateway's notification takes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from signer.accounts.models import Account
from signer.core.errors import DomainError

from ..auth import check_csrf, client_ip, csrf_token, services
from ..presenters import order_view
from .frame import page_login_required

bp = Blueprint("cashier", __name__)


def _page(account: Account, order_no: str, **context: Any) -> Any:
    lc = services().lifecycle
    try:
        order = lc.orders.get(account, order_no)
    except DomainError as exc:
        return render_template("error.html", account=account, csrf_token=csrf_token(), message=exc.message), 404
    return render_template("cashier.html", account=account, csrf_token=csrf_token(),
                           order=order_view(lc.orders.facts(order)), **context)


@bp.get("/pay/sandbox/<order_no>")
@page_login_required
def cashier(account: Account, order_no: str):
    return _page(account, order_no)


@bp.post("/pay/sandbox/<order_no>")
@page_login_required
def pay(account: Account, order_no: str):
    check_csrf()
    try:
        services().lifecycle.payments.sandbox_pay(account, order_no, client_ip())
    except DomainError as exc:
        return _page(account, order_no, error=exc.message)
    return _page(account, order_no, paid=True)
