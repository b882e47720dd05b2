"""View models shared by more than one view module (the PC and the APP, or two PC screens): a submitted
application's answer and the seal assignments of an account. Views never import each other; they import this."""

from __future__ import annotations

from typing import Any

from flask import url_for

from signer.accounts.models import Account
from signer.applications.delivery import Delivery
from signer.applications.enums import APPLICATION_KIND_LABELS, APPLICATION_STATUS_LABELS, AttachmentKind
from signer.applications.service import ApplicationForm, Handler
from signer.billing.enums import INVOICE_TYPE_LABELS, ORDER_STATUS_LABELS, OrderStatus
from signer.billing.models import InvoiceProfile
from signer.billing.orders import OrderFacts
from signer.certificates.enums import CERTIFICATE_KIND_LABELS, CertificateKind
from signer.seals.enums import SealKind

from .auth import client_ip, services
from .schemas.applications import SubmittedSchema


def form_of(data: dict[str, Any]) -> ApplicationForm:
    """Schema output → the domain's form (the domain checks meaning, the schema checked types)."""
    handler = data.get("handler")
    delivery = data.get("delivery")
    return ApplicationForm(
        sms_code=data["sms_code"],
        handler=Handler(handler["name"], handler["contact"], handler["id_type"], handler["id_number"])
        if handler else None,
        attachments={AttachmentKind(k): v for k, v in (data.get("attachments") or {}).items()},
        certificate_kind=data.get("certificate_kind", CertificateKind.MOBILE),
        agreements=tuple(data.get("agreements") or ()),
        seal_type=data.get("seal_type"),
        period_years=data.get("period_years"),
        bind_account_id=data.get("bind_account_id"),
        bind_phone=data.get("bind_phone"),
        delivery=Delivery(delivery["recipient"], delivery["phone"], delivery["address"]) if delivery else None,
        reason=data.get("reason"),
        new_phone=data.get("new_phone"),
    )


def submitted(account: Account, app: Any, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The answer to a submission; 提交并生成订单 also creates the order (the application stays if that fails)."""
    lc = services().lifecycle
    order = None
    if data.get("create_order"):
        created = lc.orders.create(account, [app.id], data.get("invoice_profile_id"), client_ip())
        order = order_view(lc.orders.facts(created))
        app = lc.applications.get(account, app.id)
    return SubmittedSchema().dump({"application": lc.applications.describe(app), "order": order}), 201


def order_view(facts: OrderFacts) -> dict[str, Any]:
    """An order as the JSON views (through OrderSchema) and the member / cashier pages show it."""
    order, invoice = facts.order, facts.invoice
    return {
        "order_no": order.order_no,
        "status": order.status.value,
        "status_label": ORDER_STATUS_LABELS[order.status],
        "amount_fen": order.amount_fen,
        "payment_method": order.payment_method,
        "payment_method_label": "在线支付",
        "invoice": order.invoice_snapshot,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "cancelled_at": order.cancelled_at,
        "transaction_id": order.transaction_id,
        "items": [{"application_id": app.id, "kind": app.kind.value, "kind_label": APPLICATION_KIND_LABELS[app.kind],
                   "certificate_kind_label": CERTIFICATE_KIND_LABELS[app.certificate_kind],
                   "period_years": app.period_years, "amount_fen": item.amount_fen,
                   "application_status": app.status.value,
                   "application_status_label": APPLICATION_STATUS_LABELS[app.status]} for item, app in facts.items],
        "electronic_invoice": {"invoice_no": invoice.invoice_no, "amount_fen": invoice.amount_fen,
                               "tax_fen": invoice.tax_fen, "issued_at": invoice.issued_at,
                               "download_url": url_for("orders_api.invoice_pdf", order_no=order.order_no)}
        if invoice else None,
        # 收银台 (the sandbox provider's page) while the order waits for payment
        "cashier_url": url_for("cashier.cashier", order_no=order.order_no)
        if order.status == OrderStatus.PENDING_PAYMENT else None,
    }


def profile_view(p: InvoiceProfile) -> dict[str, Any]:
    """An invoice profile as the JSON views (through InvoiceProfileSchema) and the 发票信息 page show it."""
    return {"id": p.id, "invoice_type": p.invoice_type.value, "invoice_type_label": INVOICE_TYPE_LABELS[p.invoice_type],
            "title": p.title, "tax_number": p.tax_number, "address": p.address, "phone": p.phone,
            "bank_name": p.bank_name, "bank_account": p.bank_account, "email": p.email, "is_default": p.is_default}


def assignments_view(account_id: int, assignments: dict) -> dict:
    """What is assigned, and which seals would have no image (such a seal is refused at scan)."""
    without = services().seals.without_image(account_id)
    return {"account_id": account_id, **{kind.value: kind in assignments for kind in SealKind},
            "handwriting_set": SealKind.HANDWRITTEN not in without,
            "without_image": [kind.value for kind in without]}
