"""Issue 9, audit bullet: someone with write access to the database only rewrites history and recomputes
the chain's hashes; ``verify-audit`` must still report it (the chain is keyed with a key outside the DB).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from signer.core import audit
from signer.core.audit import verify_chain
from signer.core.db import Database
from signer.core.models import AuditEvent
from tests.helpers import provision

ROOT = Path(__file__).parents[2]


@pytest.fixture
def services(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    yield services
    services.db.dispose()


def cli_verify(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"SIGNER_INSTANCE": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "signer.cli", "verify-audit"], env=env, capture_output=True,
                          text=True, cwd=ROOT)


def body(prev: str, ev: AuditEvent) -> bytes:
    """The event's hashed content, as the chain's format defines it (the attacker can read the code)."""
    return json.dumps({
        "prev": prev, "seq": ev.seq, "at": ev.at.isoformat(timespec="microseconds"), "actor_id": ev.actor_id,
        "actor_label": ev.actor_label, "action": ev.action, "subject": [ev.subject_type, ev.subject_id],
        "details": ev.details, "ip": ev.ip,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def rewrite_history(db: Database, key: bytes | None) -> None:
    """Edit event 2, then recompute every hash (plain SHA-256, or HMAC under ``key``) and the head."""
    with db.write() as s:
        columns = {c["name"] for c in inspect(s.connection()).get_columns("audit_head")}
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        events[1].actor_label = "someone-else"
        prev = audit.GENESIS
        for ev in events:
            ev.prev_hash = prev
            data = body(prev, ev)
            ev.hash = hmac.new(key, data, hashlib.sha256).hexdigest() if key else hashlib.sha256(data).hexdigest()
            if hasattr(ev, "chain_version"):
                ev.chain_version = 2 if key else 1
            prev = ev.hash
        s.flush()
        s.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
        if "mac" in columns:  # the attacker also makes the head say "never keyed", or seals it with his key
            mac = (hmac.new(key, f"audit-head|{events[-1].seq}|{prev}|1".encode(), hashlib.sha256).hexdigest()
                   if key else None)
            s.execute(text("UPDATE audit_head SET keyed_from = :k, mac = :m"), {"k": 1 if key else None, "m": mac})


def test_the_untouched_chain_verifies(services, tmp_path):
    with services.db.read() as s:
        assert verify_chain(s).ok
    result = cli_verify(tmp_path)
    assert result.returncode == 0 and "intact" in result.stdout, result.stderr


@pytest.mark.parametrize("key", [None, secrets.token_bytes(32)], ids=["plain-sha256", "wrong-key"])
def test_a_rewritten_chain_with_recomputed_hashes_is_reported(services, tmp_path, key):
    rewrite_history(services.db, key)
    with services.db.read() as s:
        assert not verify_chain(s).ok
    result = cli_verify(tmp_path)
    assert result.returncode == 1 and "BROKEN" in result.stderr, result.stdout


def test_events_from_before_the_key_still_verify_and_stay_protected(tmp_path):
    """An instance upgraded from the unkeyed chain: old events keep their plain hashes, new ones are keyed."""
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    url, key = services.db.url, services.db.audit_key
    services.db.dispose()
    legacy_db = Database(url)  # rebuild the chain as the old code wrote it: plain hashes, unsealed head
    with legacy_db.write() as s:
        s.execute(text("UPDATE audit_head SET keyed_from = NULL, mac = NULL"))
    rewrite_history(legacy_db, None)  # (a legitimate plain chain; event 2's label differs, nothing more)
    with legacy_db.write() as s:
        audit.record(s, None, "legacy:event", "test", 1)
    legacy_db.dispose()

    db = Database(url, audit_key=key)
    with db.write() as s:
        audit.ensure_head(s)  # what the upgrade does on start
        audit.record(s, None, "keyed:event", "test", 2)
    with db.read() as s:
        assert verify_chain(s).ok
        versions = list(s.scalars(select(AuditEvent.chain_version).order_by(AuditEvent.seq)))
    assert versions[-1] == 2 and set(versions[:-1]) == {1}

    with db.write() as s:  # an edited old event, even with every plain hash recomputed, breaks the keyed link
        old = s.scalar(select(AuditEvent).where(AuditEvent.action == "legacy:event"))
        old.subject_id = "999"
        old.hash = hashlib.sha256(body(old.prev_hash, old)).hexdigest()
    with db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    db.dispose()
