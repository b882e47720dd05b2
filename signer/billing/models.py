"""Orders, payments and invoices; statuses move through ``signer.billing.transitions``.

A partial unique index keeps one default invoice profile per enterprise.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signer.billing.enums import InvoiceType, OrderStatus
from signer.core.models import Base, UTCDateTime, enum_column, partial_index, utcnow

if TYPE_CHECKING:
    from signer.applications.models import Application


class InvoiceProfile(Base):
    """F1 发票信息 of an enterprise; deleted ones stay (orders keep a snapshot anyway)."""

    __tablename__ = "invoice_profiles"
    __table_args__ = (
        partial_index("uq_invoice_profiles_default", "enterprise_id", where="is_default AND deleted_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    invoice_type: Mapped[InvoiceType] = mapped_column(enum_column(InvoiceType))
    title: Mapped[str] = mapped_column(String(100))
    tax_number: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Order(Base):
    """B4/B5: one order pays for one or several applications; amounts in fen."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payment_method: Mapped[str] = mapped_column(String(16), default="online")
    invoice_profile_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_profiles.id"))
    invoice_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    provider: Mapped[str | None] = mapped_column(String(16))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Read-only, for views that eager-load them (signer.applications.records.ORDER_VIEW); never lazy.
    items: Mapped[list[OrderItem]] = relationship(order_by="OrderItem.id", viewonly=True, lazy="raise")
    invoice: Mapped[Invoice | None] = relationship(viewonly=True, lazy="raise")


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    application: Mapped[Application] = relationship(viewonly=True, lazy="raise")


class PaymentNotification(Base):
    """Every accepted payment notification; the UNIQUE transaction id makes replays harmless."""

    __tablename__ = "payment_notifications"
    __table_args__ = (UniqueConstraint("provider", "transaction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    transaction_id: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(Base):
    """F2: the electronic invoice of a paid order, a PDF signed with the platform's invoice certificate."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    invoice_no: Mapped[str] = mapped_column(String(32), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
