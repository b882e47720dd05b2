"""Certificates and their single-use unlock challenges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.core.models import Base, UTCDateTime, enum_column, utcnow


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    status: Mapped[CertificateStatus] = mapped_column(enum_column(CertificateStatus), index=True)
    bound_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    validity_years: Mapped[int] = mapped_column(Integer, default=1)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    usage_limit: Mapped[int] = mapped_column(Integer, default=1000)
    serial_hex: Mapped[str | None] = mapped_column(String(64), unique=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    # Keystore binding (keystore/PROTOCOL.md): verifier V and share S, encrypted at rest.
    keystore_verifier_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    keystore_share_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    failed_unlocks: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    # Lifecycle (signer/applications): the certificate this one replaces, and how it is to be issued.
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    reuse_key: Mapped[bool] = mapped_column(default=False)  # re-certify the predecessor's key (no CSR)
    planned_not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # else issuance + years
    contact_phone: Mapped[str | None] = mapped_column(String(20))  # 联系方式 / 变更手机号
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UnlockChallenge(Base):
    """A single-use keystore unlock nonce (keystore/PROTOCOL.md), for one signing or password change."""

    __tablename__ = "unlock_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("signing_sessions.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # "sign" | "password"
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
