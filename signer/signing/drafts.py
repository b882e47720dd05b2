"""Signing drafts (K1 on the PC): upload → page previews → place the seals → start a signing session.

The upload is validated and its pages are rendered in the worker pool (never on the event loop); the PDF
and the previews go to the blob store and the draft to the database, so any server process can serve
the placement page. A draft belongs to its enterprise and to the browser that uploaded it (a binding
token, like a signing session's). Starting hands the stored PDF to :class:`SigningService.create`, the
same path the API takes, so every placement rule is checked in one place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from pdfsign.errors import PdfRejected
from pdfsign.preview import preview_size
from signer.accounts.models import Account
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.config import Config
from signer.core.db import Database, rowcount
from signer.core.errors import ErrorCode, Forbidden, Gone, NotFound, TooLarge, Unprocessable, ValidationFailed
from signer.core.models import utcnow
from signer.core.storage import BlobStore, store_blob
from signer.seals.enums import SEAL_KIND_LABELS, SealKind
from signer.signing.enums import PadesLevel
from signer.signing.models import SigningDraft, SigningDraftPage, SigningSession
from signer.signing.pdf_jobs import upload_slot
from signer.signing.service import PlacementRequest, SigningService
from signer.signing.signing_pool import SigningPool

DRAFT_TTL = timedelta(hours=2)
PURGE_AFTER = timedelta(days=1)  # an expired draft still answers 已过期 for a day, then it is deleted
RENDER_ON_UPLOAD = 3  # pages rendered with the upload; the rest on first request, a batch at a time
RENDER_BATCH = 4
PADES_LEVEL_LABELS = {
    PadesLevel.B_B: "B-B 基础签名",
    PadesLevel.B_T: "B-T 含可信时间戳",
    PadesLevel.B_LT: "B-LT 含长期验证信息",
    PadesLevel.B_LTA: "B-LTA 长期归档（含文档时间戳）",
}
# What a seal box is when it is dropped (points); the user can resize it afterwards.
DEFAULT_SEAL_SIZE = {SealKind.COMPANY: (150, 110), SealKind.LEGAL_REP: (150, 110), SealKind.HANDWRITTEN: (150, 80)}


@dataclass(frozen=True)
class DraftPage:
    """A page as the placement page lays it out: the visible box (PDF points, origin bottom-left) and /Rotate,
    its size as shown (rotation applied) and its preview's size in pixels."""

    draft_id: str
    number: int  # 1-based
    box: tuple[float, float, float, float]  # llx, lly, urx, ury
    rotation: int
    width_pt: float
    height_pt: float
    width_px: int
    height_px: int


@dataclass(frozen=True)
class DraftView:
    """A draft with its pages and the choices last started from it."""

    id: str
    title: str
    page_count: int
    document_sha256: str
    pades_level: PadesLevel
    placements: tuple[dict[str, Any], ...]
    pages: tuple[DraftPage, ...]
    expires_at: datetime
    last_session_id: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _rejected(exc: PdfRejected) -> Exception:
    status = TooLarge if exc.code == "too_large" else Unprocessable
    return status(exc.message, code=ErrorCode.for_pdf(exc.code), details={"file": [exc.message]})


class DraftService:
    def __init__(self, db: Database, store: BlobStore, pool: SigningPool, signing: SigningService,
                 config: Config) -> None:
        self.db = db
        self.store = store
        self.pool = pool
        self.signing = signing
        self.config = config

    # -- upload --------------------------------------------------------------------------------
    def create(self, creator: Account, pdf: bytes, title: str, ip: str) -> tuple[SigningDraft, str]:
        """Validate the PDF (magic bytes, size, not encrypted, readable, bounded, no active content), render
        its first pages, store it. At most ``uploads_per_enterprise`` uploads of an enterprise are in
        processing at once (429 ``too_many_uploads``), so one enterprise cannot fill the bulk lane."""
        if creator.enterprise_id is None:
            raise Forbidden("只有企业账号可以发起签署")
        limit = self.config.max_pdf_bytes
        if len(pdf) > limit:
            message = f"文件超过{limit // (1024 * 1024)}MB，请压缩后再上传"
            raise TooLarge(message, code=ErrorCode.PDF_TOO_LARGE, details={"file": [message]})
        if not pdf:
            raise ValidationFailed("请选择要签署的PDF文件", details={"file": ["文件为空"]})
        lease = timedelta(seconds=2 * self.config.bulk_timeout_seconds + 60)
        with upload_slot(self.db, creator.enterprise_id, self.config.uploads_per_enterprise, lease):
            try:
                result = self.pool.request("preview_document", pdf=_b64(pdf), max_bytes=limit,
                                           render=RENDER_ON_UPLOAD)
            except PdfRejected as exc:
                raise _rejected(exc) from exc
        draft_id = secrets.token_urlsafe(16)
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as s:
            document_sha = store_blob(s, self.store, pdf, "application/pdf")
            row = SigningDraft(
                id=draft_id, enterprise_id=creator.enterprise_id, created_by=creator.id,
                binding_token_hash=_digest(token), title=(title.strip() or result["title"] or "未命名文件")[:200],
                document_sha256=document_sha, page_count=result["page_count"], pages=result["pages"],
                placements=[], pades_level=PadesLevel.B_B, created_at=now, expires_at=now + DRAFT_TTL,
            )
            s.add(row)
            s.flush()
            self._store_previews(s, draft_id, result["previews"])
            audit.record(s, Actor(creator.id, creator.username, ip), AuditAction.SIGNING_DRAFT, "signing_draft",
                         draft_id,
                         {"document": document_sha, "pages": result["page_count"]})
        return row, token

    def _store_previews(self, s: Any, draft_id: str, previews: list[dict[str, Any]]) -> None:
        for p in previews:
            sha = store_blob(s, self.store, base64.b64decode(p["png"]), "image/png")
            s.add(SigningDraftPage(draft_id=draft_id, number=p["number"], image_sha256=sha,
                                   width_px=p["width_px"], height_px=p["height_px"]))

    # -- access --------------------------------------------------------------------------------
    def for_pc(self, draft_id: str, account: Account, binding_token: str | None) -> SigningDraft:
        """The draft, if this account's enterprise owns it, this browser uploaded it, and it has not expired."""
        with self.db.read() as s:
            row = s.get(SigningDraft, draft_id)
        if row is None or row.enterprise_id != account.enterprise_id:
            raise NotFound("待签文件不存在", code=ErrorCode.DRAFT_NOT_FOUND)
        if not binding_token or not hmac.compare_digest(_digest(binding_token), row.binding_token_hash):
            raise Forbidden("只有上传文件的浏览器可以继续此签署", code=ErrorCode.NOT_BOUND_BROWSER)
        if row.expires_at <= utcnow():
            raise Gone("待签文件已过期，请重新上传", code=ErrorCode.DRAFT_EXPIRED)
        return row

    def draft_of_session(self, session_id: str) -> str | None:
        """The draft a session was last started from (the QR page links back to it)."""
        with self.db.read() as s:
            return s.scalar(select(SigningDraft.id).where(SigningDraft.last_session_id == session_id))

    def view(self, row: SigningDraft) -> DraftView:
        """The draft with each page's geometry; the preview size of a page not rendered yet is computed."""
        with self.db.read() as s:
            rendered = {p.number: p for p in s.scalars(select(SigningDraftPage)
                                                       .where(SigningDraftPage.draft_id == row.id))}
        pages = []
        for number, geometry in enumerate(row.pages, start=1):
            done = rendered.get(number)
            llx, lly, urx, ury = geometry["box"]
            rotation = int(geometry["rotation"])
            turned = rotation in (90, 270)
            width_pt, height_pt = (ury - lly, urx - llx) if turned else (urx - llx, ury - lly)
            width_px, height_px = (done.width_px, done.height_px) if done else preview_size(width_pt, height_pt)
            pages.append(DraftPage(row.id, number, (llx, lly, urx, ury), rotation, width_pt, height_pt,
                                   width_px, height_px))
        return DraftView(row.id, row.title, row.page_count, row.document_sha256, row.pades_level,
                         tuple(row.placements), tuple(pages), row.expires_at, row.last_session_id)

    def page_png(self, row: SigningDraft, number: int) -> bytes:
        """A page preview; rendered now (with the next few pages) if no one asked for it before."""
        if not 1 <= number <= row.page_count:
            raise NotFound(f"第{number}页不存在", code=ErrorCode.NO_SUCH_PAGE)
        with self.db.read() as s:
            page = s.get(SigningDraftPage, (row.id, number))
            if page is None:
                done = set(s.scalars(select(SigningDraftPage.number).where(SigningDraftPage.draft_id == row.id)))
        if page is not None:
            return self.store.get(page.image_sha256)
        batch = [n for n in range(number, min(row.page_count, number + RENDER_BATCH - 1) + 1) if n not in done]
        try:
            result = self.pool.request("render_pages", pdf=_b64(self.store.get(row.document_sha256)), pages=batch)
        except PdfRejected as exc:
            raise _rejected(exc) from exc
        try:
            with self.db.write() as s:
                present = set(s.scalars(select(SigningDraftPage.number).where(SigningDraftPage.draft_id == row.id)))
                self._store_previews(s, row.id, [p for p in result["previews"] if p["number"] not in present])
        except IntegrityError:
            pass  # another request stored the same pages first: same content
        return base64.b64decode(next(p["png"] for p in result["previews"] if p["number"] == number))

    # -- start ---------------------------------------------------------------------------------
    def start(self, account: Account, binding_token: str | None, draft_id: str, title: str,
              placements: list[PlacementRequest], pades_level: PadesLevel, ip: str,
              user_agent: str) -> tuple[SigningSession, str]:
        """Create the signing session from the stored PDF; remember the choices on the draft."""
        row = self.for_pc(draft_id, account, binding_token)
        title = (title.strip() or row.title)[:200]
        session, token = self.signing.create(account, self.store.get(row.document_sha256), title, placements, ip,
                                             user_agent, pades_level=pades_level)
        chosen = [{**asdict(p), "seal": p.seal.value} for p in placements]
        with self.db.write() as s:
            s.execute(update(SigningDraft).where(SigningDraft.id == draft_id)
                      .values(title=title, placements=chosen, pades_level=pades_level, last_session_id=session.id)
                      .execution_options(synchronize_session=False))
            audit.record(s, Actor(account.id, account.username, ip), AuditAction.SIGNING_DRAFT_START, "signing_draft",
                         draft_id, {"session": session.id, "seals": [p.seal.value for p in placements],
                                    "pades_level": pades_level.value})
        return session, token


    # -- housekeeping --------------------------------------------------------------------------
    def purge_expired(self) -> int:
        """Delete drafts expired more than a day ago (their blobs stay: the store is content-addressed)."""
        cutoff = utcnow() - PURGE_AFTER
        with self.db.read() as s:
            ids = list(s.scalars(select(SigningDraft.id).where(SigningDraft.expires_at < cutoff).limit(500)))
        if not ids:
            return 0
        with self.db.write() as s:
            s.execute(delete(SigningDraftPage).where(SigningDraftPage.draft_id.in_(ids))
                      .execution_options(synchronize_session=False))
            gone = rowcount(s.execute(delete(SigningDraft)
                                      .where(SigningDraft.id.in_(ids), SigningDraft.expires_at < cutoff)
                                      .execution_options(synchronize_session=False)))
            audit.record(s, None, AuditAction.SIGNING_DRAFT_PURGE, "signing_draft", "-", {"drafts": ids})
        return gone


def seal_palette() -> list[dict[str, Any]]:
    """The seals a user can drag onto a page, with their default size in points."""
    return [{"seal": kind.value, "label": SEAL_KIND_LABELS[kind], "width": w, "height": h}
            for kind, (w, h) in DEFAULT_SEAL_SIZE.items()]


def pades_levels() -> list[dict[str, str]]:
    return [{"value": level.value, "label": label} for level, label in PADES_LEVEL_LABELS.items()]
