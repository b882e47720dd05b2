"""View models shared by more than one view module (the PC and the APP, or two PC screens): applications and
their attachments, orders, invoice profiles, a submitted application's answer and the seal assignments of an
account. Views never import each other; they import this."""

from __future__ import annotations

from typing import Any

from flask import url_for

from signer.accounts.models import Account
from signer.applications.delivery import Delivery
from signer.applications.enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    ATTACHMENT_KIND_LABELS,
    ID_TYPE_LABELS,
    REISSUE_REASON_LABELS,
    SHIPPING_STATUS_LABELS,
    AttachmentKind,
)
from signer.applications.idnumbers import mask_id
from signer.applications.models import Application, ApplicationAttachment
from signer.applications.records import ApplicationFacts
from signer.applications.rules import REVOCATION_REASONS
from signer.applications.service import ApplicationForm, Handler
from signer.billing.enums import INVOICE_TYPE_LABELS, ORDER_STATUS_LABELS, OrderStatus
from signer.billing.models import InvoiceProfile
from signer.billing.orders import OrderFacts
from signer.certificates.enums import CERTIFICATE_KIND_LABELS, CertificateKind
from signer.core.audit_actions import action_label
from signer.core.models import AuditEvent
from signer.seals.enums import SEAL_TYPE_LABELS, SealKind

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


def submitted(account: Account, app: Application, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The answer to a submission; 提交并生成订单 also creates the order (the application stays if that fails)."""
    lc = services().lifecycle
    order = None
    if data.get("create_order"):
        created = lc.orders.create(account, [app.id], data.get("invoice_profile_id"), client_ip())
        order = order_view(lc.orders.facts(created))
        app = lc.applications.get(account, app.id)
    return SubmittedSchema().dump({"application": application_view(lc.applications.view(app)), "order": order}), 201


# 吊销 (RFC 5280) and 补办 reasons share the application's ``reason`` column.
_REASON_LABELS = {**REVOCATION_REASONS, **{r.value: label for r, label in REISSUE_REASON_LABELS.items()}}


def attachment_view(row: ApplicationAttachment) -> dict[str, Any]:
    """An uploaded attachment as AttachmentSchema dumps it and the 申请 / 审核 pages show it."""
    return {"id": row.id, "kind": row.kind.value, "kind_label": ATTACHMENT_KIND_LABELS[row.kind],
            "filename": row.filename, "content_type": row.content_type, "size": row.size,
            "sha256": row.blob_sha256, "created_at": row.created_at, "replaced": row.replaced_at is not None}


def application_view(facts: ApplicationFacts) -> dict[str, Any]:
    """An application as ApplicationSchema dumps it and the member pages show it (ID number masked)."""
    app, order, bind_account = facts.application, facts.order, facts.bind_account
    return {
        "id": app.id,
        "kind": app.kind.value,
        "kind_label": APPLICATION_KIND_LABELS[app.kind],
        "certificate_kind": app.certificate_kind.value,
        "certificate_kind_label": CERTIFICATE_KIND_LABELS[app.certificate_kind],
        "status": app.status.value,
        "status_label": APPLICATION_STATUS_LABELS[app.status],
        "enterprise_id": app.enterprise_id,
        "enterprise_name": app.enterprise_name,
        "certificate_id": app.certificate_id,
        "result_certificate_id": app.result_certificate_id,
        "bind_account": bind_account.username if bind_account else None,
        "bind_name": bind_account.display_name if bind_account else None,
        "bind_phone": app.bind_phone,
        "seal_type": app.seal_type.value if app.seal_type else None,
        "seal_type_label": SEAL_TYPE_LABELS[app.seal_type] if app.seal_type else None,
        "period_years": app.period_years,
        "price_fen": app.price_fen,
        "handler_name": app.handler_name,
        "handler_contact": app.handler_contact,
        "id_type": app.id_type.value if app.id_type else None,
        "id_type_label": ID_TYPE_LABELS[app.id_type] if app.id_type else None,
        "id_number": mask_id(app.id_number) if app.id_number else None,
        "agreements_accepted_at": app.agreements_accepted_at,
        "reason": app.reason,
        "reason_label": _REASON_LABELS.get(app.reason) if app.reason else None,
        "rejection_opinion": app.rejection_opinion,
        "reviewed_at": app.reviewed_at,
        "recipient_name": app.recipient_name,
        "recipient_phone": app.recipient_phone,
        "mailing_address": app.mailing_address,
        "shipping_status": app.shipping_status.value if app.shipping_status else None,
        "shipping_status_label": SHIPPING_STATUS_LABELS[app.shipping_status] if app.shipping_status else None,
        "shipping_carrier": app.shipping_carrier,
        "tracking_number": app.tracking_number,
        "order_no": order.order_no if order else None,
        "submitted_at": app.submitted_at,
        "created_at": app.created_at,
        "attachments": [attachment_view(a) for a in facts.attachments],
    }


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


def record_view(e: AuditEvent) -> dict[str, Any]:
    """One line of 办理记录 (E), its action in the manual's words."""
    return {"seq": e.seq, "at": e.at, "actor": e.actor_label, "action": e.action,
            "action_label": action_label(e.action),
            "subject": f"{e.subject_type}:{e.subject_id}", "details": e.details, "hash": e.hash}


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
