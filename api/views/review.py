"""Platform review (B6, I, F2) for 平台审核员: the queue, approve / reject, KEY shipping, invoices, SMS outbox."""

from __future__ import annotations

from flask import Blueprint, request

from signer.accounts.models import Account
from signer.applications.models import Application
from signer.applications.review import SealChoice
from signer.seals.enums import SealKind

from ..apidoc import doc
from ..auth import client_ip, pc_login_required, services
from ..http import file_response, json_body
from ..presenters import application_view
from ..schemas.applications import (
    ApplicationListSchema,
    ApplicationSchema,
    ApproveSchema,
    RejectSchema,
    ReviewQuerySchema,
    ShipSchema,
    SmsOutboxSchema,
)
from ..schemas.billing import ElectronicInvoiceSchema

bp = Blueprint("review_api", __name__, url_prefix="/api/v1/review")


def _view(app: Application) -> dict:
    return application_view(services().lifecycle.applications.view(app))


@bp.get("/applications")
@doc(tag="Review", query=ReviewQuerySchema, response=ApplicationListSchema, errors=(403,))
@pc_login_required
def queue(account: Account):
    """B6 审核队列: every enterprise's applications awaiting review (or another status), oldest first."""
    q = ReviewQuerySchema().load(request.args.to_dict())
    items = [_view(a) for a in services().lifecycle.review.queue(account, q["status"], q["kind"])]
    return ApplicationListSchema().dump({"items": items})


@bp.get("/applications/<int:app_id>")
@doc(tag="Review", response=ApplicationSchema)
@pc_login_required
def application(account: Account, app_id: int):
    """One application with its attachments (download them from /api/v1/uploads/{id})."""
    return ApplicationSchema().dump(_view(services().lifecycle.review.get(account, app_id)))


@bp.post("/applications/<int:app_id>/approve")
@doc(tag="Review", request=ApproveSchema, response=ApplicationSchema, errors=(400, 409))
@pc_login_required
def approve(account: Account, app_id: int):
    """B6 审核通过 with 维护印章信息 (which attachment becomes the company / legal-representative seal)."""
    data = ApproveSchema().load(json_body())
    seals = {SealKind(k): SealChoice(v["attachment_id"], v["cutout"]) for k, v in data["seals"].items()}
    return ApplicationSchema().dump(_view(services().lifecycle.review.approve(account, app_id, seals, client_ip())))


@bp.post("/applications/<int:app_id>/reject")
@doc(tag="Review", request=RejectSchema, response=ApplicationSchema, errors=(409,))
@pc_login_required
def reject(account: Account, app_id: int):
    """B6 驳回 with an opinion (查看驳回 shows it)."""
    data = RejectSchema().load(json_body())
    app = services().lifecycle.review.reject(account, app_id, data["opinion"], client_ip())
    return ApplicationSchema().dump(_view(app))


@bp.post("/applications/<int:app_id>/ship")
@doc(tag="Review", request=ShipSchema, response=ApplicationSchema, errors=(409,))
@pc_login_required
def ship(account: Account, app_id: int):
    """I 制作并邮寄: the key pair is generated on the KEY (PKCS#11), its certificate issued and written to it;
    快递公司 and 运单号 → 邮寄中, 已发货 (it takes effect when it is received)."""
    data = ShipSchema().load(json_body())
    app = services().lifecycle.shipping.ship(account, app_id, data["carrier"], data["tracking_number"],
                                             data["pin_verifier"], client_ip())
    return ApplicationSchema().dump(_view(app))


@bp.post("/applications/<int:app_id>/delivered")
@doc(tag="Review", response=ApplicationSchema, errors=(409,))
@pc_login_required
def delivered(account: Account, app_id: int):
    """I 已签收, recorded by the platform: the KEY takes effect."""
    return ApplicationSchema().dump(_view(services().lifecycle.shipping.delivered(account, app_id, client_ip())))


@bp.post("/orders/<order_no>/invoice")
@doc(tag="Review", response=ElectronicInvoiceSchema, errors=(409,))
@pc_login_required
def issue_invoice(account: Account, order_no: str):
    """F2 开具电子发票 by hand (it is issued by itself once every application of the order is approved)."""
    invoice = services().lifecycle.review.issue_invoice(account, order_no, client_ip())
    return ElectronicInvoiceSchema().dump({
        "invoice_no": invoice.invoice_no, "amount_fen": invoice.amount_fen, "tax_fen": invoice.tax_fen,
        "issued_at": invoice.issued_at, "download_url": f"/api/v1/orders/{order_no}/invoice.pdf"})


@bp.get("/orders/<order_no>/invoice.pdf")
@doc(tag="Review", produces=("application/pdf",))
@pc_login_required
def invoice_pdf(account: Account, order_no: str):
    """The issued invoice PDF of any order (staff)."""
    invoice, pdf = services().lifecycle.review.invoice_pdf(account, order_no)
    return file_response(pdf, "application/pdf", f"电子发票-{invoice.invoice_no}.pdf")


@bp.get("/sms-outbox")
@doc(tag="Review", params=[{"name": "phone", "in": "query", "required": False, "schema": {"type": "string"}}],
     response=SmsOutboxSchema, errors=(403,))
@pc_login_required
def sms_outbox(account: Account):
    """The ``outbox`` SMS provider's latest messages (development, tests and staging; staff only)."""
    phone = (request.args.get("phone") or "")[:20] or None
    return SmsOutboxSchema().dump({"items": services().lifecycle.review.sms_outbox(account, phone)})
