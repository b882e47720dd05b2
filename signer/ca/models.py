"""The CA's keys and every serial it signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from signer.core.models import Base, UTCDateTime, utcnow


class IssuedSerial(Base):
    """Every serial the CA is about to sign, recorded before signing (so it can always be revoked)."""

    __tablename__ = "issued_serials"

    serial_hex: Mapped[str] = mapped_column(String(64), primary_key=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(32))


class CaKey(Base):
    """CA certificates and their private keys (encrypted with the instance master key)."""

    __tablename__ = "ca_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
