"""Signing sessions, their seal placements and rounds, drafts and PDF job leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from signer.core.models import Base, UTCDateTime, enum_column, utcnow
from signer.seals.enums import SealKind
from signer.signing.enums import PadesLevel, SessionStatus


class SigningSession(Base):
    __tablename__ = "signing_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    allowed_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    title: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(String(64))
    prepared_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(Integer)
    pades_level: Mapped[PadesLevel] = mapped_column(enum_column(PadesLevel), default=PadesLevel.B_B)
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus), index=True)
    qr_secret: Mapped[bytes] = mapped_column(LargeBinary)
    binding_token_hash: Mapped[str] = mapped_column(String(64))
    confirmation_code: Mapped[str] = mapped_column(String(8))
    pc_ip: Mapped[str] = mapped_column(String(64), default="")
    pc_user_agent: Mapped[str] = mapped_column(String(300), default="")
    scanned_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    current_round: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(String(300))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SealPlacementRow(Base):
    """One requested seal of a session: its kind and its box (PDF points, origin bottom-left)."""

    __tablename__ = "signing_placements"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("signing_sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    seal_kind: Mapped[SealKind] = mapped_column(enum_column(SealKind))
    field_name: Mapped[str] = mapped_column(String(64))
    page: Mapped[int] = mapped_column(Integer)
    x: Mapped[float]
    y: Mapped[float]
    width: Mapped[float]
    height: Mapped[float]


class SigningRound(Base):
    """The persisted first half of a round (pyHanko interrupted signing) awaiting the phone's value."""

    __tablename__ = "signing_rounds"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("signing_sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    prepared: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_pdf_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigningDraft(Base):
    """The validated upload, every page's geometry, and the last placements chosen for it.

    Owned by the enterprise and by the browser that uploaded it (only the SHA-256 of its binding token is
    kept). A draft can start several sessions (back from a cancelled one, adjust, start again) until it
    expires.
    """

    __tablename__ = "signing_drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    binding_token_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(Integer)
    pages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"box": [llx, lly, urx, ury], "rotation": 0}]
    placements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pades_level: Mapped[PadesLevel] = mapped_column(enum_column(PadesLevel), default=PadesLevel.B_B)
    last_session_id: Mapped[str | None] = mapped_column(ForeignKey("signing_sessions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SigningDraftPage(Base):
    """A rendered page preview (PNG in the blob store); rendered on upload or on first request."""

    __tablename__ = "signing_draft_pages"

    draft_id: Mapped[str] = mapped_column(ForeignKey("signing_drafts.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_sha256: Mapped[str] = mapped_column(String(64))
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)


class PdfJobLease(Base):
    """One slot of an enterprise's uploads in processing (issue 9 row 4), shared by every server process.

    The primary key makes a slot exclusive; a lease expires (a process that died mid-upload cannot hold a
    slot forever) and an expired one may be taken over by a compare-and-set on ``expires_at``.
    """

    __tablename__ = "pdf_job_leases"

    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
