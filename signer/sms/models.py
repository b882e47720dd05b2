"""SMS verification codes (one active code per phone and purpose) and the console outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signer.core.models import Base, UTCDateTime, enum_column, partial_index, utcnow
from signer.sms.enums import SmsPurpose


class SmsCode(Base):
    """A verification code: only its keyed hash is stored; single use, limited tries, short-lived."""

    __tablename__ = "sms_codes"
    __table_args__ = (
        partial_index("uq_sms_codes_active", "phone", "purpose", where="used_at IS NULL AND voided_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[SmsPurpose] = mapped_column(enum_column(SmsPurpose))
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
