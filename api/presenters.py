"""View models shared by more than one view module (the PC and the APP, or two PC screens): a submitted
application's answer and the seal assignments of an account. Views never import each other; they import this."""

from __future__ import annotations

from typing import Any

from signer.accounts.models import Account
from signer.applications.enums import AttachmentKind
from signer.applications.service import ApplicationForm, Handler
from signer.certificates.enums import CertificateKind
from signer.seals.enums import SealKind

from .auth import client_ip, services
from .schemas.applications import SubmittedSchema


def form_of(data: dict[str, Any]) -> ApplicationForm:
    """Schema output → the domain's form (the domain checks meaning, the schema checked types)."""
    handler = data.get("handler")
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
        reason=data.get("reason"),
        new_phone=data.get("new_phone"),
    )


def submitted(account: Account, app: Any, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The answer to a submission; 提交并生成订单 also creates the order (the application stays if that fails)."""
    lc = services().lifecycle
    order = None
    if data.get("create_order"):
        created = lc.orders.create(account, [app.id], data.get("invoice_profile_id"), client_ip())
        order = lc.orders.describe(created)
        app = lc.applications.get(account, app.id)
    return SubmittedSchema().dump({"application": lc.applications.describe(app), "order": order}), 201


def assignments_view(account_id: int, assignments: dict) -> dict:
    """What is assigned, and which seals would have no image (such a seal is refused at scan)."""
    without = services().seals.without_image(account_id)
    return {"account_id": account_id, **{kind.value: kind in assignments for kind in SealKind},
            "handwriting_set": SealKind.HANDWRITTEN not in without,
            "without_image": [kind.value for kind in without]}
