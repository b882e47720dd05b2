"""Scan-to-sign sessions (K1–K4, K6): create, QR frames, scan, unlock, signing rounds, terminal states.

Everything a conversation needs is in the database (session, secret, prepared rounds, challenges), so any
process can continue what another one started. PDF work goes through the worker pool.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from pdfsign.errors import PdfRejected, SignatureValueInvalid
from pdfsign.remote import DEFAULT_BYTES_RESERVED, SIGNING_TIME_PLACEHOLDER, TIMESTAMPED_BYTES_RESERVED
from signer.accounts.models import Account, Enterprise
from signer.accounts.service import AppIdentity
from signer.ca.service import CertificateAuthority
from signer.certificates.enums import CertificateKind, CertificateStatus
from signer.certificates.models import Certificate
from signer.certificates.service import (
    CertificateService,
    CertificateUnusable,
    WrongSigningPassword,
    require_signable,
    unlock_refusal,
)
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.config import Config
from signer.core.db import Database, rowcount
from signer.core.errors import Conflict, ErrorCode, Forbidden, Gone, NotFound, TooLarge, Unprocessable, ValidationFailed
from signer.core.events import Notifier
from signer.core.models import utcnow
from signer.core.storage import BlobStore, store_blob
from signer.seals.enums import SEAL_KIND_LABELS, SealKind
from signer.seals.service import SealService, SealUnusable
from signer.signing import qr
from signer.signing.enums import SESSION_STATUS_LABELS, TERMINAL_SESSION_STATUSES, PadesLevel, SessionStatus
from signer.signing.models import SealPlacementRow, SigningRound, SigningSession
from signer.signing.progress import Phase, SigningProgress
from signer.signing.signing_pool import SigningPool
from signer.signing.stamp_fonts import FontPreparation
from signer.signing.transitions import move_session

S = SessionStatus
# What makes a round impossible to finish: the session fails with the refusal's message as its reason.
RoundRefused = (CertificateUnusable, SealUnusable)
SIGNING_GRACE = timedelta(minutes=2)
TIMESTAMPED_LEVELS = frozenset({PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA})
LONG_TERM_LEVELS = frozenset({PadesLevel.B_LT, PadesLevel.B_LTA})
# Rows inserted with Core statements, skipping the ORM's unit of work on the hot path.
_SESSIONS = cast(Table, SigningSession.__table__)
_PLACEMENTS = cast(Table, SealPlacementRow.__table__)
_ROUNDS = cast(Table, SigningRound.__table__)
_INSERT_SESSION, _INSERT_PLACEMENT, _INSERT_ROUND = insert(_SESSIONS), insert(_PLACEMENTS), insert(_ROUNDS)
PLACEMENT_CACHE_SESSIONS = 20_000  # sessions whose placements a process keeps (a few hundred bytes each)
FRAME_QUERY_CHUNK = 500  # sessions per query of the frame ticker (bound parameters stay well under limits)


@dataclass(frozen=True)
class PlacementRequest:
    seal: SealKind
    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlacedSeal:
    """A stored seal placement of a session, as plain values (``SealPlacementRow``; they never change)."""

    position: int
    seal_kind: SealKind
    field_name: str
    page: int
    x: float
    y: float
    width: float
    height: float


class Signable(NamedTuple):
    """What the signing rule read inside a write transaction, kept for the round that follows: the locked
    certificate, the session's seal placements and the image each placed seal kind shows (blob hashes)."""

    cert: Certificate
    placements: tuple[PlacedSeal, ...]
    images: dict[SealKind, str]


def _overdue(row: SigningSession, now: datetime) -> bool:
    """Past its deadline and not finished (a session being signed gets a short grace)."""
    if row.status in TERMINAL_SESSION_STATUSES:
        return False
    return now >= row.expires_at + (SIGNING_GRACE if row.status == S.SIGNING else timedelta(0))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SigningService:
    def __init__(self, db: Database, store: BlobStore, pool: SigningPool, ca: CertificateAuthority,
                 certs: CertificateService, notifier: Notifier, config: Config,
                 seals: SealService | None = None) -> None:
        self.db = db
        self.store = store
        self.pool = pool
        self.ca = ca
        self.certs = certs
        self.notifier = notifier
        self.config = config
        self.seals = seals or SealService(db, store)
        self.fonts = FontPreparation(config)
        self._font_paths: list[str] | None = None
        self._placement_cache: dict[str, tuple[PlacedSeal, ...]] = {}

    # -- K1: create ----------------------------------------------------------------------------
    def create(self, creator: Account, pdf: bytes, title: str, placements: list[PlacementRequest],
               pc_ip: str, user_agent: str, allowed_account_id: int | None = None,
               pades_level: PadesLevel = PadesLevel.B_B,
               webhook_url: str | None = None) -> tuple[SigningSession, str]:
        """Store the document with its empty signature fields; return the session and its binding token."""
        if creator.enterprise_id is None:
            raise Forbidden("只有企业账号可以发起签署")
        if len(pdf) > self.config.max_pdf_bytes:
            raise TooLarge(f"文件超过{self.config.max_pdf_bytes // (1024 * 1024)}MB")
        if not 1 <= len(placements) <= 10:
            raise ValidationFailed("请指定1至10个签章位置", details={"placements": ["1-10"]})
        session_id = secrets.token_urlsafe(16)
        placed = tuple(PlacedSeal(i, p.seal, f"Seal{i + 1}_{p.seal.value}", p.page, float(p.x), float(p.y),
                                  float(p.width), float(p.height)) for i, p in enumerate(placements))
        fields = [{"field_name": p.field_name, "page": p.page, "x": p.x, "y": p.y, "width": p.width,
                   "height": p.height} for p in placed]
        try:
            prepared = self.pool.request("prepare_document", pdf=_b64(pdf), placements=fields,
                                         max_bytes=self.config.max_pdf_bytes)
        except PdfRejected as exc:
            status = TooLarge if exc.code == "too_large" else Unprocessable
            raise status(exc.message, code=ErrorCode.for_pdf(exc.code)) from exc
        binding_token = secrets.token_urlsafe(32)
        now = utcnow()
        document_sha = hashlib.sha256(pdf).hexdigest()
        with self.db.write() as s:
            if allowed_account_id is not None:
                target = s.get(Account, allowed_account_id)
                if target is None or target.enterprise_id != creator.enterprise_id:
                    raise NotFound("指定的签署账号不存在")
            store_blob(s, self.store, pdf, "application/pdf")
            prepared_sha = store_blob(s, self.store, base64.b64decode(prepared["pdf"]), "application/pdf")
            values = dict(
                id=session_id, enterprise_id=creator.enterprise_id, created_by=creator.id,
                allowed_account_id=allowed_account_id, title=(title or "未命名文件")[:200],
                document_sha256=document_sha, prepared_sha256=prepared_sha, page_count=prepared["page_count"],
                pades_level=pades_level, status=S.WAITING, qr_secret=secrets.token_bytes(32),
                binding_token_hash=_digest(binding_token),
                confirmation_code=qr.confirmation_code(session_id, document_sha),
                pc_ip=pc_ip[:64], pc_user_agent=user_agent[:300], webhook_url=webhook_url,
                expires_at=now + timedelta(seconds=self.config.session_ttl_seconds), current_round=0, created_at=now,
            )
            # Core inserts (no unit of work); the caller gets the session as a plain object with the same values
            s.execute(_INSERT_SESSION, values)
            s.execute(_INSERT_PLACEMENT, [
                {"session_id": session_id, "position": seal.position, "seal_kind": seal.seal_kind,
                 "field_name": seal.field_name, "page": seal.page, "x": seal.x, "y": seal.y, "width": seal.width,
                 "height": seal.height} for seal in placed])
            row = SigningSession(**values)
            audit.record(s, Actor(creator.id, creator.username, pc_ip), AuditAction.SIGNING_CREATE, "signing_session",
                         session_id, {"document": document_sha, "seals": [p.seal.value for p in placements]})
        self._keep_placements(session_id, placed)
        return row, binding_token

    def new_state(self, row: SigningSession) -> dict[str, Any]:
        """The state of a session ``create`` just returned (waiting, nobody scanned), without reading it back."""
        placements = self._placement_cache.get(row.id)
        if placements is None:  # pushed out of the cache meanwhile
            return self.state(row.id)
        return self._view(row, None, placements)

    # -- access for the PC ---------------------------------------------------------------------
    def for_pc(self, session_id: str, account: Account, binding_token: str | None) -> SigningSession:
        """The session, if this logged-in account's enterprise owns it and this browser created it."""
        with self.db.read() as s:
            row = s.get(SigningSession, session_id)
        if row is None:
            raise NotFound("签署会话不存在")
        self._check_pc(row, account, binding_token)
        return row

    @staticmethod
    def _check_pc(row: SigningSession, account: Account, binding_token: str | None) -> None:
        if row.enterprise_id != account.enterprise_id:
            raise NotFound("签署会话不存在")
        if not binding_token or not hmac.compare_digest(_digest(binding_token), row.binding_token_hash):
            raise Forbidden("只有发起签署的浏览器可以查看此会话", code=ErrorCode.NOT_BOUND_BROWSER)

    def state(self, session_id: str) -> dict[str, Any]:
        """The session's state as the PC page shows it; an overdue session is expired first."""
        return self._state_checked(session_id)

    def pc_state(self, session_id: str, account: Account, binding_token: str | None) -> dict[str, Any]:
        """``for_pc`` and ``state`` in one read: the state, for the browser that created the session."""
        return self._state_checked(session_id, lambda row: self._check_pc(row, account, binding_token))

    def pc_join(self, session_id: str, account: Account,
                binding_token: str | None) -> tuple[dict[str, Any], qr.ShownFrame | None]:
        """``pc_state`` and, while the session waits for a scan, its current QR frame, from the same read."""
        frame: qr.ShownFrame | None = None

        def check(row: SigningSession) -> None:
            nonlocal frame
            self._check_pc(row, account, binding_token)
            if row.status == S.WAITING and utcnow() < row.expires_at:
                frame = self._frame(row.id, row.qr_secret, row.confirmation_code,
                                    qr.current_step(self.config.qr_step_seconds))

        state = self._state_checked(session_id, check)
        return state, frame if state["status"] == S.WAITING.value else None

    def _state_checked(self, session_id: str,
                       check: Callable[[SigningSession], None] | None = None) -> dict[str, Any]:
        with self.db.read() as s:
            found = self._with_signer(s, session_id)
            if found is None:
                raise NotFound("签署会话不存在")
            if check is not None:
                check(found[0])
            if not _overdue(found[0], utcnow()):
                return self._state(s, *found)
        self._expire_if_due(session_id, found[0])
        return self._current_state(session_id)

    def _current_state(self, session_id: str) -> dict[str, Any]:
        """The state as stored, without the expiry check (for the push right after a transition)."""
        with self.db.read() as s:
            found = self._with_signer(s, session_id)
            if found is None:
                raise NotFound("签署会话不存在")
            return self._state(s, *found)

    @staticmethod
    def _with_signer(s: Session, session_id: str) -> tuple[SigningSession, Account | None] | None:
        """The session and the account that scanned it, in one query."""
        found = s.execute(select(SigningSession, Account)
                          .outerjoin(Account, Account.id == SigningSession.scanned_by)
                          .where(SigningSession.id == session_id)).one_or_none()
        return (found[0], found[1]) if found is not None else None

    def _state(self, s: Session, row: SigningSession, scanned_by: Account | None) -> dict[str, Any]:
        return self._view(row, scanned_by, self._placements(s, row.id))

    def _view(self, row: SigningSession, scanned_by: Account | None, placements: tuple[PlacedSeal, ...],
              status: SessionStatus | None = None, current_round: int | None = None) -> dict[str, Any]:
        """The state of ``row``, or of ``row`` once moved to ``status`` / ``current_round``."""
        status = status or row.status
        return {
            "id": row.id,
            "status": status.value,
            "title": row.title,
            "page_count": row.page_count,
            "document_sha256": row.document_sha256,
            "confirmation_code": row.confirmation_code,
            "pades_level": row.pades_level.value,
            "expires_at": row.expires_at.isoformat(),
            "scanned_by": {"username": scanned_by.username, "name": scanned_by.display_name}
            if scanned_by else None,
            "seals": [self._seal_view(p) for p in placements],
            "current_round": row.current_round if current_round is None else current_round,
            "failure": row.failure,
            "signed": status == S.SIGNED,
        }

    @staticmethod
    def _seal_view(p: PlacedSeal) -> dict[str, Any]:
        return {"seal": p.seal_kind.value, "label": SEAL_KIND_LABELS[p.seal_kind], "page": p.page,
                "x": p.x, "y": p.y, "width": p.width, "height": p.height, "field_name": p.field_name}

    def _placements(self, s: Session, session_id: str) -> tuple[PlacedSeal, ...]:
        """A session's seal placements, in order. They never change after ``create``, so each process reads
        them once per session and keeps them as plain values."""
        cached = self._placement_cache.get(session_id)
        if cached is None:
            cached = tuple(PlacedSeal(p.position, p.seal_kind, p.field_name, p.page, p.x, p.y, p.width, p.height)
                           for p in s.scalars(select(SealPlacementRow)
                                              .where(SealPlacementRow.session_id == session_id)
                                              .order_by(SealPlacementRow.position)))
            self._keep_placements(session_id, cached)
        return cached

    def _keep_placements(self, session_id: str, placements: tuple[PlacedSeal, ...]) -> None:
        if not placements:
            return
        self._placement_cache[session_id] = placements
        if len(self._placement_cache) > PLACEMENT_CACHE_SESSIONS:
            self._placement_cache.pop(next(iter(self._placement_cache)))  # the oldest session

    def _notify(self, session_id: str) -> None:
        self.notifier.session_changed(session_id, self._current_state(session_id))

    def _push(self, row: SigningSession, scanned_by: Account, placements: tuple[PlacedSeal, ...],
              status: SessionStatus | None = None, current_round: int | None = None) -> None:
        """Push the state our own committed transition produced, from the values it read and wrote (the
        session row before the move, and the move's new values) instead of reading the session again."""
        self.notifier.session_changed(row.id, self._view(row, scanned_by, placements, status, current_round))

    # -- K2: QR frames -------------------------------------------------------------------------
    def current_frames(self, session_ids: Collection[str]) -> dict[str, qr.ShownFrame]:
        """The current frame of each of these sessions that still waits for a scan, read in one query per
        ``FRAME_QUERY_CHUNK`` sessions. A session past its deadline is expired (its pages are told) instead."""
        step = qr.current_step(self.config.qr_step_seconds)
        now = utcnow()
        ids = list(session_ids)
        frames: dict[str, qr.ShownFrame] = {}
        overdue: list[str] = []
        for start in range(0, len(ids), FRAME_QUERY_CHUNK):
            with self.db.read() as s:
                rows = s.execute(select(SigningSession.id, SigningSession.qr_secret, SigningSession.expires_at,
                                        SigningSession.confirmation_code)
                                 .where(SigningSession.id.in_(ids[start:start + FRAME_QUERY_CHUNK]),
                                        SigningSession.status == S.WAITING)).all()
            for session_id, secret, expires_at, code in rows:
                if now >= expires_at:
                    overdue.append(session_id)
                    continue
                frames[session_id] = self._frame(session_id, secret, code, step)
        for session_id in overdue:
            self._expire_if_due(session_id)
        return frames

    def _frame(self, session_id: str, secret: bytes, confirmation_code: str, step: int) -> qr.ShownFrame:
        return qr.ShownFrame(session_id, qr.make_payload(self.config.qr_scheme, secret, session_id, step), step,
                             confirmation_code)

    def frame_payload(self, session_id: str) -> str | None:
        """The current frame's payload, or None once the session no longer accepts scans."""
        frame = self.current_frames([session_id]).get(session_id)
        return frame.payload if frame is not None else None

    @staticmethod
    def frame_png(payload: str) -> bytes:
        """The PNG of a payload ``frame_payload`` gave (the HTTP fallback; the page draws its own)."""
        return qr.render_png(payload)

    # -- expiry --------------------------------------------------------------------------------
    def _expire_if_due(self, session_id: str, row: SigningSession | None = None) -> bool:
        """Expire the session if it is overdue (``row``: the session just read, to save reading it again)."""
        now = utcnow()
        if row is None:
            with self.db.read() as s:
                row = s.get(SigningSession, session_id)
        if row is None or not _overdue(row, now):
            return False
        try:
            with self.db.write() as s:
                move_session(s, session_id, row.status, S.EXPIRED, finished_at=now)
                audit.record(s, None, AuditAction.SIGNING_EXPIRE, "signing_session", session_id, {})
        except Conflict:
            return False
        self._notify(session_id)
        return True

    def expire_due(self) -> list[str]:
        """Expire every overdue session (run periodically); returns their ids."""
        with self.db.read() as s:
            ids = list(s.scalars(select(SigningSession.id).where(
                SigningSession.status.in_([S.WAITING, S.SCANNED, S.SIGNING]),
                SigningSession.expires_at < utcnow(),
            )))
        return [sid for sid in ids if self._expire_if_due(sid)]

    def _live(self, session_id: str) -> SigningSession:
        with self.db.read() as s:
            row = s.get(SigningSession, session_id)
        return self._require_live(session_id, row)

    def _require_live(self, session_id: str, row: SigningSession | None) -> SigningSession:
        """``row`` (just read), unless the session is missing or over."""
        if row is None:
            raise NotFound("签署会话不存在")
        if row.status == S.EXPIRED or _overdue(row, utcnow()):
            self._expire_if_due(session_id, row)  # whoever wins the move, the session is over
            raise Gone("签署会话已过期", code=ErrorCode.SESSION_EXPIRED)
        return row

    # -- K4: scan ------------------------------------------------------------------------------
    def scan(self, who: AppIdentity, payload: str, ip: str) -> dict[str, Any]:
        frame = qr.parse_payload(payload, self.config.qr_scheme)
        row = self._live(frame.session_id)
        qr.check_frame(frame, row.qr_secret, qr.current_step(self.config.qr_step_seconds),
                       self.config.qr_window_steps)
        if row.status != S.WAITING:
            raise Conflict(f"该二维码已被使用（{SESSION_STATUS_LABELS[row.status]}）", code=ErrorCode.ALREADY_SCANNED)
        account = who.account
        if account.enterprise_id != row.enterprise_id:
            raise Forbidden("您的账号不属于发起签署的企业", code=ErrorCode.WRONG_ENTERPRISE)
        if row.allowed_account_id is not None and row.allowed_account_id != account.id:
            raise Forbidden("此文件指定了其他签署人", code=ErrorCode.NOT_DESIGNATED_SIGNER)
        with self.db.write() as s:
            cert_id = s.scalar(select(Certificate.id).where(
                Certificate.bound_account_id == account.id, Certificate.device_id == who.device.id,
                Certificate.kind == CertificateKind.MOBILE, Certificate.status == CertificateStatus.EFFECTIVE,
            ))
            if cert_id is None:
                raise Forbidden("本设备上没有有效的移动端证书", code=ErrorCode.NO_CERTIFICATE)
            cert, placements, _images = self._require_may_finish(s, row.id, cert_id, account.id)
            move_session(s, row.id, S.WAITING, S.SCANNED, scanned_by=account.id, device_id=who.device.id,
                         certificate_id=cert.id, scanned_at=utcnow())
            challenge = self.certs.new_challenge(s, cert, who.device.id, "sign", row.id)
            enterprise = s.get(Enterprise, row.enterprise_id)
            audit.record(s, who.actor(ip), AuditAction.SIGNING_SCAN, "signing_session", row.id,
                         {"certificate": cert.serial_hex, "device": who.device.device_uid})
            view = {
                "session_id": row.id,
                "title": row.title,
                "enterprise": enterprise.name if enterprise else "",
                "page_count": row.page_count,
                "document_sha256": row.document_sha256,
                "confirmation_code": row.confirmation_code,
                "pc_ip": row.pc_ip,
                "pc_user_agent": row.pc_user_agent,
                "expires_at": row.expires_at.isoformat(),
                "certificate": {"id": cert.id, "serial": cert.serial_hex, "subject": cert.subject},
                "seals": [self._seal_view(p) for p in placements],
                "challenge": {"id": challenge.id, "nonce": _b64(challenge.nonce)},
            }
        self._push(row, account, placements, S.SCANNED)
        return view

    @staticmethod
    def _scanned_by(who: AppIdentity, row: SigningSession, status: SessionStatus) -> SigningSession:
        """``row`` (live), if this phone scanned it and it is in ``status``."""
        if row.scanned_by != who.account.id or row.device_id != who.device.id:
            raise Forbidden("此签署会话由其他设备扫码", code=ErrorCode.NOT_YOUR_SESSION)
        if row.status != status:
            raise Conflict(f"签署会话状态为{SESSION_STATUS_LABELS[row.status]}", code=ErrorCode.ILLEGAL_TRANSITION)
        return row

    def _require_may_finish(self, s: Session, session_id: str, cert_id: int | None, account_id: int | None,
                            count_use: bool = False) -> Signable:
        """May this certificate finish a round of this session? The one rule, checked inside the write
        transaction of scan, approve and every signature value (certificate row locked; with ``count_use``
        the use is counted in the same step). Raises one of ``RoundRefused``."""
        assert cert_id is not None and account_id is not None  # set when the session was scanned
        cert = require_signable(s, cert_id, count_use)
        placements = self._placements(s, session_id)
        images = self.seals.require_usable(s, account_id, [p.seal_kind for p in placements])
        return Signable(cert, placements, images)

    def _fail(self, session_id: str, expected: SessionStatus, reason: str, actor: Actor) -> None:
        with self.db.write() as s:
            failed = self._fail_in(s, session_id, expected, reason, actor)
        if failed:
            self._notify(session_id)

    @staticmethod
    def _fail_in(s: Session, session_id: str, expected: SessionStatus, reason: str, actor: Actor) -> bool:
        """Move the session to 签署失败 inside the caller's transaction (its own savepoint, so a session someone
        else moved first leaves the caller's other writes standing); True if it moved."""
        try:
            with s.begin_nested():
                move_session(s, session_id, expected, S.FAILED, failure=reason, finished_at=utcnow())
                audit.record(s, actor, AuditAction.SIGNING_FAIL, "signing_session", session_id, {"reason": reason})
        except Conflict:
            return False
        return True

    # -- K4: approve (unlock) and the first round ----------------------------------------------
    def approve(self, who: AppIdentity, session_id: str, challenge_id: int, response: bytes,
                ip: str) -> dict[str, Any]:
        """The phone's answer to the signing challenge: checked, counted and, when right, the session moved
        to 签署中, all in one write transaction; then the first round is prepared."""
        row = self._scanned_by(who, self._live(session_id), S.SCANNED)
        actor = who.actor(ip)
        try:
            with self.db.write() as s:
                started = self._unlock_and_start(s, row, who, challenge_id, response, actor)
        except CertificateUnusable as exc:  # frozen, withdrawn, revoked … before this answer was checked
            self._fail(session_id, S.SCANNED, exc.message, actor)
            raise
        if isinstance(started, Forbidden):  # refused: the count, a new challenge or the failure are committed
            if not isinstance(started, WrongSigningPassword):  # the session failed
                self._notify(session_id)
            raise started
        share, signable = started
        self._push(row, who.account, signable.placements, S.SIGNING)
        try:
            assert row.prepared_sha256 is not None  # a session is prepared when it is created
            first = self._prepare_round(row, 0, row.prepared_sha256, signable, who.account)
        except Exception:
            self._fail(session_id, S.SIGNING, "签署准备失败", actor)
            raise
        return {"share": _b64(share), "round": first}

    def _unlock_and_start(self, s: Session, row: SigningSession, who: AppIdentity, challenge_id: int,
                          response: bytes, actor: Actor) -> tuple[bytes, Signable] | Forbidden:
        """In the caller's write transaction: check the answer (``unlock_in``); when right, check the signing
        rule and move 已扫码 → 签署中 (a savepoint: a refusal undoes only these); returns the keystore share and
        what the rule read, or the refusal to raise once the transaction has committed what it must keep: the
        failure count, a new challenge for the next try, or the session failed (frozen now, or the rule)."""
        outcome = self.certs.unlock_in(s, who, challenge_id, response, "sign", actor, row.id)
        if not outcome.ok or outcome.share is None:
            refusal = unlock_refusal(outcome)
            if outcome.frozen:
                self._fail_in(s, row.id, S.SCANNED, refusal.message, actor)
                return refusal
            cert = s.get(Certificate, row.certificate_id)  # locked and loaded by unlock_in: no query
            assert cert is not None  # the scanned session's certificate (a foreign key)
            retry = self.certs.new_challenge(s, cert, who.device.id, "sign", row.id)
            refusal.details["challenge"] = {"id": retry.id, "nonce": _b64(retry.nonce)}
            return refusal
        try:
            with s.begin_nested():
                signable = self._require_may_finish(s, row.id, row.certificate_id, row.scanned_by)
                move_session(s, row.id, S.SCANNED, S.SIGNING)
                audit.record(s, actor, AuditAction.SIGNING_APPROVE, "signing_session", row.id, {})
        except RoundRefused as exc:
            self._fail_in(s, row.id, S.SCANNED, exc.message, actor)
            return exc
        return outcome.share, signable

    def _der_and_chain(self, cert: Certificate | None) -> tuple[bytes, list[bytes]]:
        """The certificate's DER and the CA chain (DER)."""
        if cert is None or cert.certificate_der is None:
            raise Conflict("证书不可用")
        return cert.certificate_der, [c.public_bytes(serialization.Encoding.DER) for c in self.ca.chain()]

    def _prepare_round(self, row: SigningSession, position: int, source_sha: str, signable: Signable,
                       signer: Account) -> dict[str, Any]:
        """The first half of round ``position`` on ``source_sha`` (the prepared document, or the previous
        round's output), with what the rule check just read in the same conversation: the certificate, the
        placements and the seal images (``signable``), and the account that scanned (``signer``)."""
        session_id = row.id
        placements, cert = signable.placements, signable.cert
        cert_der, chain = self._der_and_chain(cert)
        placement = placements[position]
        font_paths = self.font_paths()
        image_sha = signable.images.get(placement.seal_kind) if font_paths else None  # read by the worker
        result = self.pool.request(
            "prepare_round", pdf_blob=source_sha, field_name=placement.field_name,
            cert=_b64(cert_der), chain=[_b64(c) for c in chain],
            stamp_lines=self._stamp_lines(signer, cert, placement, chinese=bool(font_paths)),
            reason=f"{SEAL_KIND_LABELS[placement.seal_kind]} - {row.title}", location=None,
            font_paths=font_paths, image_blob=image_sha,
            bytes_reserved=TIMESTAMPED_BYTES_RESERVED if row.pades_level in TIMESTAMPED_LEVELS
            else DEFAULT_BYTES_RESERVED,
        )
        prepared = result["prepared"]  # the prepared PDF is in the blob store, named by its hash
        with self.db.write() as s:
            pdf_sha = store_blob(s, self.store, self.store.get(prepared["prepared_pdf_sha256"]), "application/pdf")
            s.execute(_INSERT_ROUND, dict(session_id=session_id, position=position, prepared=prepared,
                                          prepared_pdf_sha256=pdf_sha))
        return {
            "position": position,
            "total": len(placements),
            "seal": self._seal_view(placement),
            "signed_attrs": prepared["signed_attrs"],
            "digest_algorithm": prepared.get("digest_algorithm", "sha256"),
        }

    def font_paths(self) -> list[str]:
        """The prepared CJK stamp fonts; while ``serve`` prepares them in the background, this waits."""
        if self._font_paths is None:
            paths = self.fonts.wait()
            if not paths:
                return []  # no CJK font (or the preparation failed): ASCII stamps, and ask again next time
            self._font_paths = paths
        return self._font_paths

    @staticmethod
    def _stamp_lines(signer: Account | None, cert: Certificate, placement: PlacedSeal,
                     chinese: bool = True) -> list[str]:
        """One short line under the seal: who signed and when (the worker fills in the signing time)."""
        if chinese:
            who = signer.display_name if signer else "-"
            return [f"{who} 签署于 {SIGNING_TIME_PLACEHOLDER}"]
        who = signer.username if signer else "-"
        return [f"Signed by: {who}", f"Serial: {cert.serial_hex}", f"Time: {SIGNING_TIME_PLACEHOLDER}"]

    # -- K4/K5: the phone's signature value for a round ----------------------------------------
    def submit(self, who: AppIdentity, session_id: str, position: int, signature: bytes,
               ip: str) -> dict[str, Any]:
        with self.db.read() as s:  # the session, its round and certificate in one read
            found = s.get(SigningSession, session_id)
            round_row = s.scalar(select(SigningRound).where(SigningRound.session_id == session_id,
                                                            SigningRound.position == position))
            cert = s.get(Certificate, found.certificate_id) if found and found.certificate_id else None
            total = len(self._placements(s, session_id))
        row = self._scanned_by(who, self._require_live(session_id, found), S.SIGNING)
        actor = who.actor(ip)
        if position != row.current_round:
            raise Conflict("签署轮次不匹配", code=ErrorCode.WRONG_ROUND)
        cert_der, chain = self._der_and_chain(cert)
        if round_row is None or round_row.finished_at is not None:
            raise Conflict("该轮签署不存在或已完成", code=ErrorCode.WRONG_ROUND)
        timestamped = row.pades_level in TIMESTAMPED_LEVELS
        tsa = self.ca.tsa_credentials().to_dict() if timestamped else None
        if timestamped:
            self._progress(row, position + 1, total, Phase.TIMESTAMP)
        try:
            result = self.pool.request("finish_round", prepared=round_row.prepared,
                                       pdf_blob=round_row.prepared_pdf_sha256, signature=_b64(signature),
                                       cert=_b64(cert_der), chain=[_b64(c) for c in chain], tsa=tsa)
        except SignatureValueInvalid as exc:
            self._fail(session_id, S.SIGNING, "手机签名值校验失败", actor)
            raise Unprocessable("签名值校验失败，未写入文件", code=ErrorCode.BAD_SIGNATURE_VALUE) from exc
        output = self.store.get(result["pdf_blob"])
        if position + 1 == total and row.pades_level in LONG_TERM_LEVELS:
            self._progress(row, total, total, Phase.LONG_TERM)
            try:
                output = self._add_long_term_data(output, cert_der, row.pades_level)
            except Exception:
                self._fail(session_id, S.SIGNING, "添加长期验证信息失败", actor)
                raise
        now = utcnow()
        last = position + 1 == total
        try:
            with self.db.write() as s:
                signable, output_sha = self._finish_round(s, row, round_row.id, position, output, now, last, actor)
        except RoundRefused as exc:
            self._fail(session_id, S.SIGNING, exc.message, actor)
            raise
        if last:
            self._push(row, who.account, signable.placements, S.SIGNED, position + 1)
            return {"done": True, "status": S.SIGNED.value}
        self._push(row, who.account, signable.placements, current_round=position + 1)
        return {"done": False, "round": self._prepare_round(row, position + 1, output_sha, signable, who.account)}

    def _progress(self, row: SigningSession, seal: int, total: int, phase: Phase) -> None:
        """Tell the PC page which phase started (the seal being signed is in the state already)."""
        self.notifier.signing_progress(SigningProgress(row.id, seal, total, phase, row.pades_level))

    def _finish_round(self, s: Session, row: SigningSession, round_id: int, position: int, output: bytes,
                      now: datetime, last: bool, actor: Actor) -> tuple[Signable, str]:
        """Record a finished round; the last one moves the session to 已签署 and counts the use, all in the
        caller's transaction and only while the certificate may still sign. Returns what the rule check read
        and the output's hash."""
        session_id = row.id
        signable = self._require_may_finish(s, session_id, row.certificate_id, row.scanned_by, count_use=last)
        output_sha = store_blob(s, self.store, output, "application/pdf")
        done = rowcount(s.execute(
            update(SigningRound)
            .where(SigningRound.id == round_id, SigningRound.finished_at.is_(None))
            .values(finished_at=now, output_sha256=output_sha)
            .execution_options(synchronize_session=False)
        ))
        if done != 1:
            raise Conflict("该轮签署已完成", code=ErrorCode.WRONG_ROUND)
        if last:
            signed_sha = hashlib.sha256(output).hexdigest()
            move_session(s, session_id, S.SIGNING, S.SIGNED, signed_sha256=signed_sha, finished_at=now,
                         current_round=position + 1)
            audit.record(s, actor, AuditAction.SIGNING_SIGNED, "signing_session", session_id,
                         {"certificate": signable.cert.serial_hex, "signed": signed_sha})
        else:
            s.execute(update(SigningSession).where(SigningSession.id == session_id)
                      .values(current_round=position + 1))
        return signable, output_sha

    def _add_long_term_data(self, pdf: bytes, cert_der: bytes, level: PadesLevel) -> bytes:
        """B-LT: one revision with the DSS; B-LTA: plus a document timestamp (after the last seal)."""
        material = self.ca.revocation_material([x509.load_der_x509_certificate(cert_der)])
        result = self.pool.request(
            "finish_document", pdf=_b64(pdf), roots=[_b64(self.ca.root.public_bytes(serialization.Encoding.DER))],
            material={"ocsps": [_b64(o) for o in material.ocsps], "crls": [_b64(c) for c in material.crls],
                      "certs": [_b64(c) for c in material.certs]},
            tsa=self.ca.tsa_credentials().to_dict() if level == PadesLevel.B_LTA else None,
        )
        return base64.b64decode(result["pdf"])

    # -- terminal states -----------------------------------------------------------------------
    def reject(self, who: AppIdentity, session_id: str, ip: str) -> None:
        self._scanned_by(who, self._live(session_id), S.SCANNED)
        with self.db.write() as s:
            move_session(s, session_id, S.SCANNED, S.REJECTED, finished_at=utcnow())
            audit.record(s, who.actor(ip), AuditAction.SIGNING_REJECT, "signing_session", session_id, {})
        self._notify(session_id)

    def cancel(self, account: Account, binding_token: str | None, session_id: str, ip: str) -> None:
        self.for_pc(session_id, account, binding_token)
        with self.db.write() as s:
            move_session(s, session_id, frozenset({S.WAITING, S.SCANNED, S.SIGNING}), S.CANCELLED,
                         finished_at=utcnow())
            audit.record(s, Actor(account.id, account.username, ip), AuditAction.SIGNING_CANCEL, "signing_session",
                         session_id, {})
        self._notify(session_id)

    def signed_pdf(self, account: Account, binding_token: str | None, session_id: str) -> tuple[str, bytes]:
        row = self.for_pc(session_id, account, binding_token)
        if row.status != S.SIGNED or row.signed_sha256 is None:
            raise Conflict("文件尚未签署完成", code=ErrorCode.NOT_SIGNED)
        return row.title, self.store.get(row.signed_sha256)

    def signed_page_png(self, account: Account, binding_token: str | None, session_id: str, number: int) -> bytes:
        """A preview (PNG) of a page of the signed file that carries a seal: what was signed, before downloading."""
        title_and_pdf = self.signed_pdf(account, binding_token, session_id)
        with self.db.read() as s:
            pages = {p.page for p in self._placements(s, session_id)}
        if number not in pages:
            raise NotFound(f"第{number}页没有签章", code=ErrorCode.NO_SUCH_PAGE)
        result = self.pool.request("render_pages", pdf=_b64(title_and_pdf[1]), pages=[number], forms=True)
        return base64.b64decode(result["previews"][0]["png"])
