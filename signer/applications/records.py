"""What a view of the lifecycle's rows loads (the facts api/presenters.py shows), and 办理记录 (E)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from signer.accounts import access
from signer.accounts.models import Account
from signer.applications.models import Application, ApplicationAttachment
from signer.billing.models import Order, OrderItem
from signer.certificates.models import Certificate
from signer.core.db import Database
from signer.core.models import AuditEvent

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


@dataclass(frozen=True)
class ApplicationFacts:
    """An application with its current attachments, latest order and bound account; api/presenters.py shows it."""

    application: Application
    attachments: list[ApplicationAttachment]
    order: Order | None
    bind_account: Account | None


def application_facts(app: Application, loaded: Application) -> ApplicationFacts:
    """``app`` with the relations of ``loaded`` (see :func:`with_view`)."""
    return ApplicationFacts(app, list(loaded.current_attachments), loaded.orders[0] if loaded.orders else None,
                            loaded.bind_account)


def order_items(loaded: Order) -> list[tuple[OrderItem, Application]]:
    return [(item, item.application) for item in loaded.items]


class Records:
    """办理记录 (E): the audit chain's events about a certificate and every application concerning it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def for_certificate(self, actor: Account, cert_id: int) -> list[AuditEvent]:
        with self.db.read() as s:
            access.own(s.get(Certificate, cert_id), actor, "证书")
            app_ids = [str(i) for i in s.scalars(select(Application.id).where(
                or_(Application.certificate_id == cert_id, Application.result_certificate_id == cert_id)))]
            return self._events(s, [str(cert_id)], app_ids)

    def for_application(self, actor: Account, app_id: int) -> list[AuditEvent]:
        with self.db.read() as s:
            app = access.own(s.get(Application, app_id), actor, "申请")
            certs = [str(c) for c in {app.certificate_id, app.result_certificate_id} if c is not None]
            return self._events(s, certs, [str(app.id)])

    @staticmethod
    def _events(s, cert_ids: list[str], app_ids: list[str]) -> list[AuditEvent]:
        order_ids = [str(i) for i in s.scalars(select(OrderItem.order_id).where(
            OrderItem.application_id.in_([int(a) for a in app_ids])).distinct())]
        query = select(AuditEvent).where(or_(
            (AuditEvent.subject_type == "certificate") & AuditEvent.subject_id.in_(cert_ids),
            (AuditEvent.subject_type == "application") & AuditEvent.subject_id.in_(app_ids or ["-"]),
            (AuditEvent.subject_type == "order") & AuditEvent.subject_id.in_(order_ids or ["-"]),
        )).order_by(AuditEvent.seq)
        return list(s.scalars(query))
