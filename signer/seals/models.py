"""Seal images, handwritten signatures and who may use which seal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from signer.core.models import Base, UTCDateTime, enum_column, utcnow
from signer.seals.enums import SealKind


class SealAssignment(Base):
    """B8/H4: which seal kinds an account may apply (assigned by an administrator)."""

    __tablename__ = "seal_assignments"
    __table_args__ = (UniqueConstraint("account_id", "seal_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    seal_kind: Mapped[SealKind] = mapped_column(enum_column(SealKind))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SealImage(Base):
    """A validated, normalized (transparent PNG) seal image of an enterprise; the blob holds the bytes."""

    __tablename__ = "seal_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[SealKind] = mapped_column(enum_column(SealKind))
    image_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # upload | online | cutout | generated
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandwrittenSignature(Base):
    """H5: the account's current handwritten signature (a transparent PNG), set from the APP."""

    __tablename__ = "handwritten_signatures"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    image_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # strokes | png | generated
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
