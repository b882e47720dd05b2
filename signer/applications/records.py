"""Public views of the lifecycle's rows (what the API dumps), with the manual's Chinese labels."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from signer.accounts import access
from signer.accounts.models import Account
from signer.applications.enums import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    ATTACHMENT_KIND_LABELS,
    ID_TYPE_LABELS,
    REISSUE_REASON_LABELS,
    SHIPPING_STATUS_LABELS,
)
from signer.applications.idnumbers import mask_id
from signer.applications.models import Application, ApplicationAttachment
from signer.applications.rules import REVOCATION_REASONS
from signer.billing.models import Order, OrderItem
from signer.certificates.enums import CERTIFICATE_KIND_LABELS
from signer.certificates.models import Certificate
from signer.core.audit_actions import action_label
from signer.core.db import Database
from signer.core.models import AuditEvent
from signer.seals.enums import SEAL_TYPE_LABELS

# What a view of a row reads besides the row: lists load it for every row in the same statements.
APPLICATION_VIEW: tuple[LoaderOption, ...] = (
    selectinload(Application.current_attachments), selectinload(Application.orders),
    joinedload(Application.bind_account),
)
ORDER_VIEW: tuple[LoaderOption, ...] = (
    selectinload(Order.items).joinedload(OrderItem.application), joinedload(Order.invoice),
)
_APPLICATION_RELATIONS = frozenset({"current_attachments", "orders", "bind_account"})
_ORDER_RELATIONS = frozenset({"items", "invoice"})
_Row = TypeVar("_Row", Application, Order)


def with_view(db: Database, row: _Row) -> _Row:
    """``row`` itself when a list loaded it with its view's relations, else the same row loaded with them."""
    cls, options, relations = ((Application, APPLICATION_VIEW, _APPLICATION_RELATIONS) if isinstance(row, Application)
                               else (Order, ORDER_VIEW, _ORDER_RELATIONS))
    if relations.isdisjoint(inspect(row).unloaded):
        return row
    with db.read() as s:
        return s.scalars(select(cls).where(cls.id == row.id).options(*options)).unique().one()


def application_view(app: Application, loaded: Application) -> dict[str, Any]:
    """:func:`describe_application` of ``app`` with the relations of ``loaded`` (see :func:`with_view`)."""
    return describe_application(app, list(loaded.current_attachments), loaded.orders[0] if loaded.orders else None,
                                loaded.bind_account)


def order_items(loaded: Order) -> list[tuple[OrderItem, Application]]:
    return [(item, item.application) for item in loaded.items]



def describe_attachment(row: ApplicationAttachment) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind.value, "kind_label": ATTACHMENT_KIND_LABELS[row.kind],
            "filename": row.filename, "content_type": row.content_type, "size": row.size,
            "sha256": row.blob_sha256, "created_at": row.created_at, "replaced": row.replaced_at is not None}


def describe_application(app: Application, attachments: list[ApplicationAttachment] | None = None,
                         order: Order | None = None, bind_account: Account | None = None) -> dict[str, Any]:
    reasons = {**REVOCATION_REASONS, **{r.value: label for r, label in REISSUE_REASON_LABELS.items()}}
    reason_label = reasons.get(app.reason) if app.reason else None
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
        "reason_label": reason_label,
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
        "attachments": [describe_attachment(a) for a in attachments or []],
    }


class Records:
    """办理记录 (E): the audit chain's events about a certificate and every application concerning it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def for_certificate(self, actor: Account, cert_id: int) -> list[dict[str, Any]]:
        with self.db.read() as s:
            access.own(s.get(Certificate, cert_id), actor, "证书")
            app_ids = [str(i) for i in s.scalars(select(Application.id).where(
                or_(Application.certificate_id == cert_id, Application.result_certificate_id == cert_id)))]
            return self._events(s, [str(cert_id)], app_ids)

    def for_application(self, actor: Account, app_id: int) -> list[dict[str, Any]]:
        with self.db.read() as s:
            app = access.own(s.get(Application, app_id), actor, "申请")
            certs = [str(c) for c in {app.certificate_id, app.result_certificate_id} if c is not None]
            return self._events(s, certs, [str(app.id)])

    @staticmethod
    def _events(s, cert_ids: list[str], app_ids: list[str]) -> list[dict[str, Any]]:
        order_ids = [str(i) for i in s.scalars(select(OrderItem.order_id).where(
            OrderItem.application_id.in_([int(a) for a in app_ids])).distinct())]
        query = select(AuditEvent).where(or_(
            (AuditEvent.subject_type == "certificate") & AuditEvent.subject_id.in_(cert_ids),
            (AuditEvent.subject_type == "application") & AuditEvent.subject_id.in_(app_ids or ["-"]),
            (AuditEvent.subject_type == "order") & AuditEvent.subject_id.in_(order_ids or ["-"]),
        )).order_by(AuditEvent.seq)
        return [{"seq": e.seq, "at": e.at, "actor": e.actor_label, "action": e.action,
                 "action_label": action_label(e.action), "subject": f"{e.subject_type}:{e.subject_id}",
                 "details": e.details, "hash": e.hash} for e in s.scalars(query)]
