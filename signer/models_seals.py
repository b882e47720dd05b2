"""Seal images (B3, B6 维护印章信息) and handwritten signatures (H5); assignments stay in ``models``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .enums import SealKind
from .models import Base, UTCDateTime, _enum, utcnow


class SealImage(Base):
    """A validated, normalized (transparent PNG) seal image of an enterprise; the blob holds the bytes."""

    __tablename__ = "seal_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[SealKind] = mapped_column(_enum(SealKind))
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
