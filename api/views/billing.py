"""Orders and invoices (B4, B5, F1, F2) and the payment provider's notifications."""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.models import Account
from signer.billing.invoices import ProfileData
from signer.core.errors import TooLarge

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import file_response, json_body
from ..presenters import order_view, profile_view
from ..schemas.billing import (
    DeleteQuerySchema,
    InvoiceProfileInSchema,
    InvoiceProfileListSchema,
    InvoiceProfileSchema,
    OrderCreateSchema,
    OrderListSchema,
    OrderQuerySchema,
    OrderSchema,
    PaymentAckSchema,
)
from ..schemas.forms import PaymentNotificationSchema

bp = Blueprint("orders_api", __name__, url_prefix="/api/v1")
MAX_NOTIFICATION = 4096
SIGNATURE_HEADER = "X-Signature"


def _order_view(order) -> dict:
    return order_view(services().lifecycle.orders.view(order))


@bp.post("/orders")
@doc(tag="Orders", request=OrderCreateSchema, response=OrderSchema, status=201, errors=(409,))
@pc_login_required
def create_order(account: Account):
    """B4 生成订单 / 批量生成订单: 在线支付, the chosen (else the default) invoice profile. 0.00 元 is paid at once."""
    data = OrderCreateSchema().load(json_body())
    order = services().lifecycle.orders.create(account, data["application_ids"], data["invoice_profile_id"],
                                               client_ip())
    return OrderSchema().dump(_order_view(order)), 201


@bp.get("/orders")
@doc(tag="Orders", query=OrderQuerySchema, response=OrderListSchema)
@pc_login_required
def orders(account: Account):
    """B5 订单管理."""
    query = OrderQuerySchema().load(request.args.to_dict())
    items = [_order_view(o) for o in services().lifecycle.orders.list(account, query["status"])]
    return OrderListSchema().dump({"items": items})


@bp.get("/orders/<order_no>")
@doc(tag="Orders", response=OrderSchema, errors=(404,))
@pc_login_required
def order(account: Account, order_no: str):
    """B5 查看 an order: items, invoice profile, 支付 (cashier_url), 查看电子发票 (F2)."""
    return OrderSchema().dump(_order_view(services().lifecycle.orders.get(account, order_no)))


@bp.post("/orders/<order_no>/cancel")
@doc(tag="Orders", response=OrderSchema, errors=(409,))
@pc_login_required
def cancel_order(account: Account, order_no: str):
    """取消 an unpaid order; its applications return to 待生成订单."""
    return OrderSchema().dump(_order_view(services().lifecycle.orders.cancel(account, order_no, client_ip())))


@bp.get("/orders/<order_no>/invoice.pdf")
@doc(tag="Orders", produces=("application/pdf",), errors=(404,))
@pc_login_required
def invoice_pdf(account: Account, order_no: str):
    """F2 查看电子发票: the signed PDF, once the platform's review is done."""
    lc = services().lifecycle
    invoice, pdf = lc.invoices.pdf(account, lc.orders.get(account, order_no))
    return file_response(pdf, "application/pdf", f"电子发票-{invoice.invoice_no}.pdf")


@bp.post("/payments/sandbox/notify")
@doc(tag="Payments", request=PaymentNotificationSchema,
     params=[{"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
     response=PaymentAckSchema, errors=(403, 409, 422))
def sandbox_notify():
    """The sandbox gateway's notification: the raw JSON body signed with HMAC-SHA256 (hex) in ``X-Signature``.
    Replays answer ``duplicate``; a wrong signature 403, a wrong amount 422, a cancelled order 409."""
    if (request.content_length or 0) > MAX_NOTIFICATION:
        raise TooLarge("支付通知过大")
    body = request.get_data(cache=False)[:MAX_NOTIFICATION + 1]
    if len(body) > MAX_NOTIFICATION:
        raise TooLarge("支付通知过大")
    outcome = services().lifecycle.payments.notify(body, request.headers.get(SIGNATURE_HEADER), client_ip())
    return PaymentAckSchema().dump({"result": "success", "order_no": outcome.order_no,
                                    "duplicate": outcome.duplicate})


# -- F1 invoice profiles ---------------------------------------------------------------------------------
def _profile_data(data: dict) -> ProfileData:
    return ProfileData(**data)


@bp.get("/invoice-profiles")
@doc(tag="Invoices", response=InvoiceProfileListSchema)
@pc_login_required
def profiles(account: Account):
    """F1 发票信息 (the default first)."""
    items = [profile_view(p) for p in services().lifecycle.invoices.profiles(account)]
    return InvoiceProfileListSchema().dump({"items": items})


@bp.post("/invoice-profiles")
@doc(tag="Invoices", request=InvoiceProfileInSchema, response=InvoiceProfileSchema, status=201, errors=(400,))
@pc_login_required
def create_profile(account: Account):
    """F1 新增 (the first one becomes the default)."""
    data = InvoiceProfileInSchema().load(json_body())
    profile = services().lifecycle.invoices.create_profile(account, _profile_data(data), client_ip())
    return InvoiceProfileSchema().dump(profile_view(profile)), 201


@bp.put("/invoice-profiles/<int:profile_id>")
@doc(tag="Invoices", request=InvoiceProfileInSchema, response=InvoiceProfileSchema)
@pc_login_required
def update_profile(account: Account, profile_id: int):
    """F1 修改."""
    data = InvoiceProfileInSchema().load(json_body())
    profile = services().lifecycle.invoices.update_profile(account, profile_id, _profile_data(data), client_ip())
    return InvoiceProfileSchema().dump(profile_view(profile))


@bp.post("/invoice-profiles/<int:profile_id>/default")
@doc(tag="Invoices", response=InvoiceProfileSchema)
@pc_login_required
def default_profile(account: Account, profile_id: int):
    """F1 默认发票: preselected when ordering."""
    profile = services().lifecycle.invoices.set_default(account, profile_id, client_ip())
    return InvoiceProfileSchema().dump(profile_view(profile))


@bp.delete("/invoice-profiles/<int:profile_id>")
@doc(tag="Invoices", query=DeleteQuerySchema, status=204, description="deleted", errors=(400,))
@pc_login_required
def delete_profile(account: Account, profile_id: int):
    """F1 删除, confirmed with ``?confirm=true`` (orders keep the profile they were made with)."""
    query = DeleteQuerySchema().load(request.args.to_dict())
    services().lifecycle.invoices.delete_profile(account, profile_id, query["confirm"], client_ip())
    return "", 204
