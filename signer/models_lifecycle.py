"""Models of the certificate lifecycle (A–J): applications, attachments, orders, payments, invoices, SMS.

Statuses move only through ``signer.lifecycle.transitions``. Partial unique indexes hold the rules that
concurrent requests must not break: one open application per certificate, one open 新签 per bound
account, one default invoice profile per enterprise, one active SMS code per (phone, purpose).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import (
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
    CertificateKind,
    IdType,
    InvoiceType,
    OrderStatus,
    SealType,
    ShippingStatus,
    SmsPurpose,
)
from .models import Account, Base, UTCDateTime, _enum, utcnow

_OPEN = "status IN ('pending_order', 'pending_payment', 'pending_review', 'rejected')"


def _partial(name: str, *columns: str, where: str, unique: bool = True) -> Index:
    return Index(name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where))


class Application(Base):
    """One request of an enterprise about a certificate (新签 creates one; the others concern one)."""

    __tablename__ = "applications"
    __table_args__ = (
        _partial("uq_applications_open_per_certificate", "certificate_id",
                 where=f"certificate_id IS NOT NULL AND {_OPEN}"),
        _partial("uq_applications_open_new_per_account", "bind_account_id",
                 where=f"kind = 'new' AND {_OPEN}"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[ApplicationKind] = mapped_column(_enum(ApplicationKind))
    certificate_kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind))
    status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    result_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    enterprise_name: Mapped[str] = mapped_column(String(200))  # as it was when applying
    # B2 办理信息
    bind_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    bind_phone: Mapped[str | None] = mapped_column(String(20))
    seal_type: Mapped[SealType | None] = mapped_column(_enum(SealType))
    period_years: Mapped[int | None] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    handler_name: Mapped[str] = mapped_column(String(50), default="")
    handler_contact: Mapped[str] = mapped_column(String(20), default="")
    id_type: Mapped[IdType | None] = mapped_column(_enum(IdType))
    id_number: Mapped[str | None] = mapped_column(String(32))
    agreements: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreements_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(32))  # 吊销 reason / 补办 reason
    # B6 review
    rejection_opinion: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_seals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # I: the physical KEY's delivery
    shipping_status: Mapped[ShippingStatus | None] = mapped_column(_enum(ShippingStatus))
    shipping_carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_number: Mapped[str | None] = mapped_column(String(50))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Read-only, for views that eager-load them (signer.lifecycle.views.APPLICATION_VIEW); never lazy.
    current_attachments: Mapped[list[ApplicationAttachment]] = relationship(
        primaryjoin="and_(ApplicationAttachment.application_id == Application.id, "
                    "ApplicationAttachment.replaced_at.is_(None))",
        order_by="ApplicationAttachment.id", viewonly=True, lazy="raise")
    orders: Mapped[list[Order]] = relationship(secondary="order_items", order_by="Order.id.desc()", viewonly=True,
                                               lazy="raise")
    bind_account: Mapped[Account | None] = relationship(foreign_keys=[bind_account_id], viewonly=True,
                                                        lazy="raise")


class ApplicationAttachment(Base):
    """An uploaded, validated file; linked to an application when that is submitted."""

    __tablename__ = "application_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(_enum(AttachmentKind))
    blob_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InvoiceProfile(Base):
    """F1 发票信息 of an enterprise; deleted ones stay (orders keep a snapshot anyway)."""

    __tablename__ = "invoice_profiles"
    __table_args__ = (
        _partial("uq_invoice_profiles_default", "enterprise_id", where="is_default AND deleted_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    invoice_type: Mapped[InvoiceType] = mapped_column(_enum(InvoiceType))
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
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payment_method: Mapped[str] = mapped_column(String(16), default="online")
    invoice_profile_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_profiles.id"))
    invoice_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    provider: Mapped[str | None] = mapped_column(String(16))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Read-only, for views that eager-load them (signer.lifecycle.views.ORDER_VIEW); never lazy.
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


class SmsCode(Base):
    """A verification code: only its keyed hash is stored; single use, limited tries, short-lived."""

    __tablename__ = "sms_codes"
    __table_args__ = (
        _partial("uq_sms_codes_active", "phone", "purpose", where="used_at IS NULL AND voided_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[SmsPurpose] = mapped_column(_enum(SmsPurpose))
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")


class SmsOutbox(Base):
    """Messages of the ``outbox`` SMS provider (development and tests), readable by platform staff."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
