"""Hash-chained audit (DESIGN §3, E): every change leaves an event; a changed event is detected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, update

from signer.core.audit import verify_chain
from signer.core.models import AuditEvent
from tests.helpers import provision


def test_verify_audit_detects_a_changed_event(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    with services.db.read() as s:
        report = verify_chain(s)
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert report.ok and report.events == len(actions) >= 5
    assert actions[0] == "ca:init" and "certificate:seed-pending-download" in actions

    env = {"SIGNER_INSTANCE": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "signer.cli", "verify-audit"]
    ok = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stderr

    with services.db.write() as s:  # someone edits history in the database
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor_label="someone-else"))
    with services.db.read() as s:
        broken = verify_chain(s)
    assert not broken.ok and broken.first_bad_seq == 2
    bad = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert bad.returncode == 1 and "BROKEN at event 2" in bad.stderr


def test_deleting_the_last_event_is_detected(tmp_path: Path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    with services.db.write() as s:
        last = s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        s.delete(last)
    with services.db.read() as s:
        report = verify_chain(s)
    assert not report.ok and "truncated" in report.reason

