"""SQLAlchemy 2 models. Statuses are enums; transitions go through ``signer.transitions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .enums import CertificateKind, CertificateStatus, PadesLevel, Role, SealKind, SessionStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(cls: type) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    pass


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Device(Base):
    """A phone that logged in with the APP; its id is chosen by the phone and kept in its storage."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("account_id", "device_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    device_uid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """An APP bearer token, bound to one device; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind))
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus), index=True)
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
    # Lifecycle (signer/lifecycle): the certificate this one replaces, and how it is to be issued.
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    reuse_key: Mapped[bool] = mapped_column(default=False)  # re-certify the predecessor's key (no CSR)
    planned_not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # else issuance + years
    contact_phone: Mapped[str | None] = mapped_column(String(20))  # 联系方式 / 变更手机号
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


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


class SealAssignment(Base):
    """B8/H4: which seal kinds an account may apply (assigned by an administrator)."""

    __tablename__ = "seal_assignments"
    __table_args__ = (UniqueConstraint("account_id", "seal_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    seal_kind: Mapped[SealKind] = mapped_column(_enum(SealKind))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Blob(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    pades_level: Mapped[PadesLevel] = mapped_column(_enum(PadesLevel), default=PadesLevel.B_B)
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus), index=True)
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
    seal_kind: Mapped[SealKind] = mapped_column(_enum(SealKind))
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


class RateBucket(Base):
    """Fixed-window counters for rate limits, shared by every process."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditHead(Base):
    """A single row that serializes appends to the audit chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int | None] = mapped_column(BigInteger)  # first HMAC-keyed event (signer/audit.py)
    mac: Mapped[str | None] = mapped_column(String(64))  # HMAC(key, seq | last_hash | keyed_from)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    chain_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # 2: HMAC-keyed
