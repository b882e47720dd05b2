"""Seals of an enterprise and of its accounts (B3, B6, B8, H4, H5, K5): the domain functions.

Images enter only through :mod:`.seal_images` / :mod:`.handwriting` (validated, re-encoded transparent
PNGs) and are kept in the blob store, content-addressed. An assignment (B8/H4) says which seal kinds an
account may apply, optionally pinned to one image; which image a signature shows is decided in one place,
:func:`_shown`, whether the signing rule or a preview asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from signer.accounts.enums import Role
from signer.accounts.models import Account
from signer.core import audit
from signer.core.audit import Actor
from signer.core.audit_actions import AuditAction
from signer.core.db import Database
from signer.core.errors import ErrorCode, Forbidden, NotFound, ValidationFailed
from signer.core.models import utcnow
from signer.core.storage import BlobStore, store_blob
from signer.seals import handwriting, seal_images
from signer.seals.enums import SEAL_KIND_LABELS, SealKind
from signer.seals.models import HandwrittenSignature, SealAssignment, SealImage

SOURCES = ("upload", "online", "cutout", "generated")


def _shown(kind: SealKind, pinned: str | None, own_handwriting: str | None,
           enterprise_latest: str | None) -> str | None:
    """Which image a seal shows (the one rule): the image its assignment pins; else, for the handwritten
    signature, the account's own; else the enterprise's latest image of the kind."""
    if pinned is not None:
        return pinned
    return own_handwriting if kind == SealKind.HANDWRITTEN else enterprise_latest


def _latest_image_of(kind: Any) -> Any:
    """The enterprise's latest image of ``kind`` (correlated with the enclosing query's account)."""
    return (select(SealImage.image_sha256)
            .where(SealImage.enterprise_id == Account.enterprise_id, SealImage.kind == kind)
            .order_by(SealImage.id.desc()).limit(1).scalar_subquery())


_OWN_HANDWRITING = (select(HandwrittenSignature.image_sha256)
                    .where(HandwrittenSignature.account_id == Account.id).scalar_subquery())
# Every assigned kind of an account with what ``_shown`` decides from, in one statement (the signing rule
# reads it at scan, at approve and at every signature value).
_ASSIGNED_IMAGES = (select(SealAssignment.seal_kind, SealAssignment.image_sha256, _OWN_HANDWRITING,
                           _latest_image_of(SealAssignment.seal_kind))
                    .join(Account, Account.id == SealAssignment.account_id)
                    .where(SealAssignment.account_id == bindparam("account_id")))
_KIND: Any = bindparam("kind")
_ASSIGNMENT_OF_KIND = (select(SealAssignment.id, SealAssignment.image_sha256)
                       .where(SealAssignment.account_id == Account.id, SealAssignment.seal_kind == _KIND))
# One kind for one account, assigned or not (previews, 分配印章).
_KIND_IMAGES = (select(_ASSIGNMENT_OF_KIND.with_only_columns(SealAssignment.id).exists(),
                       _ASSIGNMENT_OF_KIND.with_only_columns(SealAssignment.image_sha256).scalar_subquery(),
                       _OWN_HANDWRITING, _latest_image_of(_KIND))
                .where(Account.id == bindparam("account_id")))


class SealUnusable(Forbidden):
    """A placement's seal cannot be applied by this account: not assigned, or no image to show."""

    code = ErrorCode.SEAL_NOT_ASSIGNED


def _actor(account: Account | None, ip: str) -> Actor | None:
    return Actor(account.id, account.username, ip) if account is not None else None


class SealService:
    def __init__(self, db: Database, store: BlobStore) -> None:
        self.db = db
        self.store = store

    # -- B3 / B6: images ---------------------------------------------------------------------------
    def store_image(self, enterprise_id: int, kind: SealKind, png: bytes, source: str,
                    by: Account | None = None, ip: str = "") -> SealImage:
        """Store an image produced by :mod:`.seal_images` (it is validated again here) for the enterprise.

        ``source``: ``upload`` (线下上传 transparent PNG), ``online`` (在线制作), ``cutout`` (签字/签章抠图),
        ``generated`` (demo data).
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        if kind == SealKind.HANDWRITTEN:
            raise ValidationFailed("手写签名由本人在APP中设置", code=ErrorCode.WRONG_KIND)
        image = seal_images.load_upload(png)
        if not seal_images.facts(image).has_transparency:
            raise ValidationFailed("印章图片必须是透明背景", code=ErrorCode.NOT_TRANSPARENT)
        data = seal_images.to_png(image)
        with self.db.write() as s:
            sha = store_blob(s, self.store, data, "image/png")
            row = SealImage(enterprise_id=enterprise_id, kind=kind, image_sha256=sha, width=image.width,
                            height=image.height, source=source, created_by=by.id if by else None)
            s.add(row)
            s.flush()
            audit.record(s, _actor(by, ip), AuditAction.SEAL_IMAGE, "enterprise", enterprise_id,
                         {"kind": kind.value, "image": sha, "source": source})
        return row

    def images(self, enterprise_id: int, kind: SealKind | None = None) -> list[SealImage]:
        with self.db.read() as s:
            query = select(SealImage).where(SealImage.enterprise_id == enterprise_id)
            if kind is not None:
                query = query.where(SealImage.kind == kind)
            return list(s.scalars(query.order_by(SealImage.id)))

    # -- B8 / H4: assignment -----------------------------------------------------------------------
    def assign(self, admin: Account, account_id: int, kind: SealKind, image_sha256: str | None = None,
               ip: str = "") -> SealAssignment:
        """分配印章: only an administrator of the account's enterprise may assign (H4).

        ``image_sha256`` pins a stored image of that enterprise (company / legal-rep seals); without it
        the enterprise's latest image of the kind is used (the account's own for handwritten).
        """
        with self.db.write() as s:
            target = s.get(Account, account_id)
            if target is None or target.enterprise_id is None:
                raise NotFound("账号不存在")
            if admin.role != Role.ADMIN or admin.enterprise_id != target.enterprise_id:
                raise Forbidden("只有本企业管理员可以分配印章", code=ErrorCode.NOT_ADMIN)
            if image_sha256 is not None and s.scalar(select(SealImage.id).where(
                    SealImage.enterprise_id == target.enterprise_id, SealImage.kind == kind,
                    SealImage.image_sha256 == image_sha256)) is None:
                raise NotFound("印章图片不存在")
            row = s.scalar(select(SealAssignment).where(SealAssignment.account_id == account_id,
                                                        SealAssignment.seal_kind == kind))
            if row is None:
                row = SealAssignment(account_id=account_id, seal_kind=kind)
                s.add(row)
            row.image_sha256 = image_sha256
            row.assigned_by = admin.id
            s.flush()
            audit.record(s, _actor(admin, ip), AuditAction.SEAL_ASSIGN, "account", account_id,
                         {"kind": kind.value, "image": image_sha256})
        return row

    def unassign(self, admin: Account, account_id: int, kind: SealKind, ip: str = "") -> None:
        with self.db.write() as s:
            target = s.get(Account, account_id)
            if target is None or admin.role != Role.ADMIN or admin.enterprise_id != target.enterprise_id:
                raise Forbidden("只有本企业管理员可以收回印章", code=ErrorCode.NOT_ADMIN)
            s.execute(delete(SealAssignment).where(SealAssignment.account_id == account_id,
                                                   SealAssignment.seal_kind == kind))
            audit.record(s, _actor(admin, ip), AuditAction.SEAL_UNASSIGN, "account", account_id, {"kind": kind.value})

    def assignments(self, account_id: int) -> dict[SealKind, SealAssignment]:
        with self.db.read() as s:
            rows = s.scalars(select(SealAssignment).where(SealAssignment.account_id == account_id))
            return {r.seal_kind: r for r in rows}

    # -- K5: the image a signature shows -----------------------------------------------------------
    def image_for(self, account_id: int, kind: SealKind) -> bytes | None:
        """The PNG for this account's seal of ``kind``, or None (the stamp then shows text only).

        Refuses (Forbidden ``seal_not_assigned``) when the account holds no assignment of the kind.
        """
        with self.db.read() as s:
            return self._image_for(s, account_id, kind)

    def _image_for(self, s: Session, account_id: int, kind: SealKind) -> bytes | None:
        sha = self._image_sha(s, account_id, kind)
        return self.store.get(sha) if sha else None

    def require_usable(self, s: Session, account_id: int, kinds: Iterable[SealKind]) -> dict[SealKind, str]:
        """Every seal kind a session places is assigned to the account and has an image to show; returns the
        image (blob hash) each kind shows, as read in the caller's transaction.

        Part of the rule every signing round checks (signer/signing/service.py): a seal without an image would sign
        with an empty slot, so it is refused before anything is signed (``seal_image_missing``).
        """
        wanted = sorted(set(kinds))
        shown_by_kind = {kind: _shown(kind, pinned, own, latest)
                         for kind, pinned, own, latest in s.execute(_ASSIGNED_IMAGES, {"account_id": account_id})}
        unassigned = [k for k in wanted if k not in shown_by_kind]
        if unassigned:
            labels = "、".join(SEAL_KIND_LABELS[k] for k in unassigned)
            raise SealUnusable(f"您未被分配{labels}，不能签署此文件", code=ErrorCode.SEAL_NOT_ASSIGNED,
                               details={"missing": [k.value for k in unassigned]})
        shown = {k: shown_by_kind[k] for k in wanted}
        imageless = [k for k, sha in shown.items() if sha is None]
        if imageless:
            reasons = ["您尚未设置手写签名（请先在APP中设置）" if k == SealKind.HANDWRITTEN
                       else f"企业没有{SEAL_KIND_LABELS[k]}的印章图片" for k in imageless]
            raise SealUnusable(f"{'；'.join(reasons)}，不能签署此文件", code=ErrorCode.SEAL_IMAGE_MISSING,
                               details={"missing": [k.value for k in imageless]})
        return {k: sha for k, sha in shown.items() if sha is not None}

    def preview_image(self, account_id: int, kind: SealKind) -> bytes | None:
        """The image a seal of ``kind`` would show for this account, assigned or not (the placement page
        lets the user drag the seal itself); None when there is none."""
        with self.db.read() as s:
            sha = self._image_sha(s, account_id, kind, assigned_only=False)
        return self.store.get(sha) if sha else None

    def without_image(self, account_id: int) -> list[SealKind]:
        """The seal kinds that would have no image for this account (分配印章 says so)."""
        with self.db.read() as s:
            return [k for k in SealKind if self._image_sha(s, account_id, k, assigned_only=False) is None]

    def shown_image(self, account_id: int, kind: SealKind) -> bytes | None:
        """The PNG this account's seal of ``kind`` would show, assigned or not (分配印章 previews it)."""
        with self.db.read() as s:
            sha = self._image_sha(s, account_id, kind, assigned_only=False)
        return self.store.get(sha) if sha else None

    def _image_sha(self, s: Session, account_id: int, kind: SealKind, assigned_only: bool = True) -> str | None:
        """The blob of the image this account's seal of ``kind`` shows (pinned, own handwriting, or the
        enterprise's latest); refuses (``seal_not_assigned``) when the kind is not assigned."""
        found = s.execute(_KIND_IMAGES, {"account_id": account_id, "kind": kind}).one_or_none()
        if found is None:  # no such account
            return None
        assigned, pinned, own, latest = found
        if not assigned and assigned_only:
            raise SealUnusable(f"您未被分配{SEAL_KIND_LABELS[kind]}", code=ErrorCode.SEAL_NOT_ASSIGNED)
        return _shown(kind, pinned, own, latest)

    # -- H5: handwritten signature -----------------------------------------------------------------
    def set_handwriting(self, account: Account, strokes: Any = None, png: bytes | None = None,
                        ip: str = "", source: str | None = None) -> HandwrittenSignature:
        """设置手写签名 from pen strokes (JSON points with pressure) or from a transparent PNG."""
        if (strokes is None) == (png is None):
            raise ValidationFailed("请提供笔迹或PNG图片之一", code=ErrorCode.BAD_HANDWRITING)
        if strokes is not None:
            data, kind = handwriting.render_strokes(handwriting.parse_strokes(strokes)), "strokes"
        else:
            assert png is not None
            data, kind = seal_images.normalize_transparent(png, *seal_images.SIGNATURE_BOX), "png"
        kind = source or kind
        with self.db.write() as s:
            sha = store_blob(s, self.store, data, "image/png")
            row = s.get(HandwrittenSignature, account.id)
            if row is None:
                row = HandwrittenSignature(account_id=account.id, image_sha256=sha, source=kind)
                s.add(row)
            else:
                row.image_sha256, row.source, row.updated_at = sha, kind, utcnow()
            audit.record(s, _actor(account, ip), AuditAction.SEAL_HANDWRITING, "account", account.id,
                         {"image": sha, "source": kind})
        return row

    def handwriting_record(self, account_id: int) -> HandwrittenSignature | None:
        with self.db.read() as s:
            return s.get(HandwrittenSignature, account_id)

    def handwriting(self, account_id: int) -> bytes | None:
        row = self.handwriting_record(account_id)
        return self.store.get(row.image_sha256) if row else None

