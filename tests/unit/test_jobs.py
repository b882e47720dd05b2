"""Issue 10: the background sweep is a domain job (signer/jobs.py): one pass expires overdue sessions, and a
failing task does not stop the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from signer import jobs
from signer.accounts.models import Account
from signer.core.models import utcnow
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing.enums import SessionStatus
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest
from tests.helpers import provision


@pytest.fixture
def services(tmp_path: Path):
    found, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}", seal_images=True)
    yield found
    found.db.dispose()


def overdue_session(services) -> str:
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    row, _ = services.signing.create(admin, sample_pdf("Quote"), "报价单",
                                     [PlacementRequest(SealKind.COMPANY, 1, 380, 80, 160, 80)], "10.0.0.1", "pytest")
    with services.db.write() as s:
        s.execute(update(SigningSession).where(SigningSession.id == row.id)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    return row.id


def status(services, sid: str) -> SessionStatus:
    with services.db.read() as s:
        return s.get(SigningSession, sid).status


def test_one_sweep_expires_overdue_sessions_and_says_so(services):
    sid = overdue_session(services)
    result = jobs.sweep(services)
    assert result.expired_sessions == [sid] and result.failed == []
    assert status(services, sid) == SessionStatus.EXPIRED
    assert jobs.sweep(services).expired_sessions == []  # nothing left to do


def test_a_failing_task_does_not_stop_the_sweep(services, monkeypatch: pytest.MonkeyPatch):
    def broken() -> int:
        raise RuntimeError("webhook table unavailable")

    monkeypatch.setattr(services.webhooks, "enqueue_due", broken)
    sid = overdue_session(services)
    result = jobs.sweep(services)
    assert result.failed == ["webhooks_enqueued"]
    assert result.expired_sessions == [sid] and status(services, sid) == SessionStatus.EXPIRED
