"""Applications (申请) and their attachments.

Statuses move only through ``signer.applications.transitions``. Partial unique indexes hold the rules
concurrent requests must not break: one open application per certificate, one open 新签 per bound account.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signer.applications.enums import ApplicationKind, ApplicationStatus, AttachmentKind, IdType, ShippingStatus
from signer.certificates.enums import CertificateKind
from signer.core.models import Base, UTCDateTime, enum_column, partial_index, utcnow
from signer.seals.enums import SealType

if TYPE_CHECKING:
    from signer.accounts.models import Account
    from signer.billing.models import Order

_OPEN = "status IN ('pending_order', 'pending_payment', 'pending_review', 'rejected')"


class Application(Base):
    """One request of an enterprise about a certificate (新签 creates one; the others concern one)."""

    __tablename__ = "applications"
    __table_args__ = (
        partial_index("uq_applications_open_per_certificate", "certificate_id",
                 where=f"certificate_id IS NOT NULL AND {_OPEN}"),
        partial_index("uq_applications_open_new_per_account", "bind_account_id",
                 where=f"kind = 'new' AND {_OPEN}"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[ApplicationKind] = mapped_column(enum_column(ApplicationKind))
    certificate_kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    result_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    enterprise_name: Mapped[str] = mapped_column(String(200))  # as it was when applying
    # B2 办理信息
    bind_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    bind_phone: Mapped[str | None] = mapped_column(String(20))
    seal_type: Mapped[SealType | None] = mapped_column(enum_column(SealType))
    period_years: Mapped[int | None] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    handler_name: Mapped[str] = mapped_column(String(50), default="")
    handler_contact: Mapped[str] = mapped_column(String(20), default="")
    id_type: Mapped[IdType | None] = mapped_column(enum_column(IdType))
    id_number: Mapped[str | None] = mapped_column(String(32))
    agreements: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreements_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(32))  # 吊销 reason / 补办 reason
    # B6 review
    rejection_opinion: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_seals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # I: the physical KEY's delivery (收件人, 联系电话, 邮寄地址 from the wizard; the parcel from the reviewer)
    recipient_name: Mapped[str | None] = mapped_column(String(50))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    mailing_address: Mapped[str | None] = mapped_column(String(200))
    shipping_status: Mapped[ShippingStatus | None] = mapped_column(enum_column(ShippingStatus))
    shipping_carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_number: Mapped[str | None] = mapped_column(String(50))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Read-only, for views that eager-load them (signer.applications.records.APPLICATION_VIEW); never lazy.
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
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    blob_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
