"""Hash-chained audit events, written in the same transaction as the change they record.

Each event's hash covers its content and the previous event's hash; the single ``audit_head`` row is
updated first, which serializes appends (a row lock on PostgreSQL, the write lock on SQLite).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .metrics import note_audit
from .models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where."""

    id: int | None
    label: str
    ip: str = ""


SYSTEM = Actor(None, "system")


def _digest(prev_hash: str, seq: int, at: datetime, actor: Actor | None, action: str, subject_type: str,
            subject_id: str, details: dict[str, Any], ip: str) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": actor.id if actor else None,
            "actor_label": actor.label if actor else "",
            "action": action,
            "subject": [subject_type, subject_id],
            "details": details,
            "ip": ip,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, last_hash=GENESIS))
        session.flush()


def record(session: Session, actor: Actor | None, action: str, subject_type: str, subject_id: object,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the chain (call inside the write transaction of the change)."""
    details = json.loads(json.dumps(details or {}, default=str, ensure_ascii=False))
    row = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    seq, prev_hash = row
    at = utcnow()
    actor = actor or SYSTEM
    digest = _digest(prev_hash, seq, at, actor, action, subject_type, str(subject_id), details, actor.ip)
    event = AuditEvent(
        seq=seq, at=at, actor_id=actor.id, actor_label=actor.label, action=action,
        subject_type=subject_type, subject_id=str(subject_id), details=details, ip=actor.ip,
        prev_hash=prev_hash, hash=digest,
    )
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    note_audit(session, action)
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    ok: bool
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash; report the first event whose content or link does not match."""
    prev = GENESIS
    count = 0
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(count, False, ev.seq, "link to the previous event is broken")
        actor = Actor(ev.actor_id, ev.actor_label, ev.ip)
        expected = _digest(prev, ev.seq, ev.at, actor, ev.action, ev.subject_type, ev.subject_id,
                           ev.details, ev.ip)
        if expected != ev.hash:
            return ChainReport(count, False, ev.seq, "event content does not match its hash")
        prev = ev.hash
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainReport(count, False, None, "the chain was truncated")
    return ChainReport(count, True)
