"""A cap on each enterprise's uploads in processing, kept in the database so every process sees it.

An enterprise holds at most ``limit`` slots (rows keyed by enterprise and slot number). Taking a slot is
an insert (the primary key makes it exclusive) or, for a slot whose lease has expired, a compare-and-set
on its expiry; giving it back deletes the row only if this holder still has it. Leases expire, so a
process that dies mid-upload cannot leak a slot for longer than ``ttl``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from signer.core.db import Database, rowcount
from signer.core.errors import ErrorCode, RateLimited
from signer.core.models import utcnow
from signer.signing.models import PdfJobLease

TOO_MANY = "本企业正在处理的上传文件过多，请等待当前文件处理完成后再上传"


@contextmanager
def upload_slot(db: Database, enterprise_id: int, limit: int, ttl: timedelta) -> Iterator[int]:
    """Hold one of the enterprise's ``limit`` slots for the block; RateLimited (429
    ``too_many_uploads``) when all are taken."""
    holder = secrets.token_hex(16)
    slot = _acquire(db, enterprise_id, limit, ttl, holder)
    if slot is None:
        raise RateLimited(TOO_MANY, code=ErrorCode.TOO_MANY_UPLOADS, details={"limit": limit})
    try:
        yield slot
    finally:
        with db.write() as s:
            s.execute(delete(PdfJobLease).where(PdfJobLease.enterprise_id == enterprise_id,
                                                PdfJobLease.slot == slot, PdfJobLease.holder == holder)
                      .execution_options(synchronize_session=False))


def _acquire(db: Database, enterprise_id: int, limit: int, ttl: timedelta, holder: str) -> int | None:
    for slot in range(max(1, limit)):
        now = utcnow()
        try:
            with db.write() as s:
                s.add(PdfJobLease(enterprise_id=enterprise_id, slot=slot, holder=holder, expires_at=now + ttl))
            return slot
        except IntegrityError:
            pass  # taken; take it over if its lease has run out
        with db.write() as s:
            taken = rowcount(s.execute(update(PdfJobLease)
                              .where(PdfJobLease.enterprise_id == enterprise_id, PdfJobLease.slot == slot,
                                     PdfJobLease.expires_at < now)
                              .values(holder=holder, expires_at=now + ttl)
                              .execution_options(synchronize_session=False)))
        if taken == 1:
            return slot
    return None
