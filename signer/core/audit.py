"""Hash-chained audit events, written in the same transaction as the change they record.

Each event's hash covers its content and the previous event's hash; the single ``audit_head`` row is
updated first, which serializes appends (a row lock on PostgreSQL, the write lock on SQLite).

The chain is keyed: an event's hash is HMAC-SHA256 under the instance's audit key, which lives outside the
database (``audit.key`` or ``SIGNER_AUDIT_KEY``, like the master key) and reaches this module on the
session (``session.info["audit_key"]``, set by ``Database``). Someone who can only write the database can
edit rows and recompute plain hashes, but not these. Events written before the key existed keep their
plain SHA-256 (``chain_version`` 1); the head row records, under its own HMAC, the first keyed event, so
the boundary cannot be moved either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from signer.core.metrics import note_audit
from signer.core.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where."""

    id: int | None
    label: str
    ip: str = ""


SYSTEM = Actor(None, "system")


PLAIN, KEYED = 1, 2  # chain_version


def _digest(prev_hash: str, seq: int, at: datetime, actor: Actor | None, action: str, subject_type: str,
            subject_id: str, details: dict[str, Any], ip: str, key: bytes | None = None) -> str:
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
    if key is None:
        return hashlib.sha256(body.encode()).hexdigest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _head_mac(key: bytes, seq: int, last_hash: str, keyed_from: int | None) -> str:
    return hmac.new(key, f"audit-head|{seq}|{last_hash}|{keyed_from}".encode(), hashlib.sha256).hexdigest()


def _key(session: Session) -> bytes | None:
    return session.info.get("audit_key")


def ensure_head(session: Session) -> None:
    """Create the head row; with a key, seal it (keyed hashing starts with the next event)."""
    head = session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, seq=0, last_hash=GENESIS)
        session.add(head)
    key = _key(session)
    if key is not None and head.keyed_from is None:
        head.keyed_from = head.seq + 1
        head.mac = _head_mac(key, head.seq, head.last_hash, head.keyed_from)
    session.flush()


# The head is moved and the event inserted with Core statements: the ORM's bulk-update path (its compile state
# and session synchronisation) was a third of the cost of an audited write, its unit of work most of the rest,
# and no caller keeps the head or the event as an object.
_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)
# The statements of ``record``, built once (every audited transition runs all three).
_NEXT_SEQ = (update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1)
             .returning(_HEAD.c.seq, _HEAD.c.last_hash, _HEAD.c.keyed_from))
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("new_last_hash"))
_MOVE_KEYED_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(
    last_hash=bindparam("new_last_hash"), keyed_from=bindparam("new_keyed_from"), mac=bindparam("new_mac"))


def record(session: Session, actor: Actor | None, action: str, subject_type: str, subject_id: object,
           details: dict[str, Any] | None = None) -> None:
    """Append one event to the chain (call inside the write transaction of the change)."""
    details = json.loads(json.dumps(details or {}, default=str, ensure_ascii=False))
    row = session.execute(_NEXT_SEQ).one()
    seq, prev_hash, keyed_from = row
    key = _key(session)
    if key is None and keyed_from is not None:
        raise RuntimeError("the audit chain is keyed but this process has no audit key")
    at = utcnow()
    actor = actor or SYSTEM
    digest = _digest(prev_hash, seq, at, actor, action, subject_type, str(subject_id), details, actor.ip, key)
    session.execute(_INSERT_EVENT, dict(
        seq=seq, at=at, actor_id=actor.id, actor_label=actor.label, action=action,
        subject_type=subject_type, subject_id=str(subject_id), details=details, ip=actor.ip,
        prev_hash=prev_hash, hash=digest, chain_version=PLAIN if key is None else KEYED,
    ))
    if key is None:
        session.execute(_MOVE_HEAD, {"new_last_hash": digest})
    else:
        keyed_from = seq if keyed_from is None else keyed_from
        session.execute(_MOVE_KEYED_HEAD, {"new_last_hash": digest, "new_keyed_from": keyed_from,
                                           "new_mac": _head_mac(key, seq, digest, keyed_from)})
    note_audit(session, action)


@dataclass(frozen=True)
class ChainReport:
    events: int
    ok: bool
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session, key: bytes | None = None) -> ChainReport:
    """Recompute every hash (keyed ones with the audit key); report the first event that does not match.

    With a key, the head's MAC must match too: it fixes the last event and where keyed hashing starts, so a
    chain rewritten with plain hashes, or recomputed under another key, is reported as broken.
    """
    key = key if key is not None else _key(session)
    head = session.get(AuditHead, 1)
    keyed_from = head.keyed_from if head is not None else None
    if key is not None and head is not None and (
            head.mac is None or not hmac.compare_digest(head.mac, _head_mac(key, head.seq, head.last_hash,
                                                                            head.keyed_from))):
        return ChainReport(0, False, None, "the chain head does not match the audit key (rewritten, or wrong key)")
    prev = GENESIS
    count = 0
    last_seq = 0
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(count, False, ev.seq, "link to the previous event is broken")
        version = KEYED if keyed_from is not None and ev.seq >= keyed_from else PLAIN
        if ev.chain_version != version:
            return ChainReport(count, False, ev.seq, "event is not hashed the way the chain requires")
        if version == KEYED and key is None:
            return ChainReport(count, False, ev.seq, "the audit key is needed to check keyed events")
        actor = Actor(ev.actor_id, ev.actor_label, ev.ip)
        expected = _digest(prev, ev.seq, ev.at, actor, ev.action, ev.subject_type, ev.subject_id,
                           ev.details, ev.ip, key if version == KEYED else None)
        if not hmac.compare_digest(expected, ev.hash):
            return ChainReport(count, False, ev.seq, "event content does not match its hash")
        prev = ev.hash
        last_seq = ev.seq
    if head is not None and (head.last_hash != prev or head.seq != last_seq):
        return ChainReport(count, False, None, "the chain was truncated")
    return ChainReport(count, True)
