"""Prometheus metrics of the service (exposed at ``/metrics`` by api/views/ops.py).

Process-local counters and histograms live in one registry; facts that several processes share
(signing sessions by status) are counted from the database at scrape time, so every process reports
the same truth. Audit actions are counted when their transaction commits, never for a rolled-back one.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from signer.core.db import Database
from signer.signing.enums import SessionStatus
from signer.signing.models import SigningSession

REGISTRY = CollectorRegistry(auto_describe=True)

PDF_WORKER_SECONDS = Histogram(
    "signer_pdf_worker_seconds", "Duration of one PDF worker request (a signing round is prepare_round + "
    "finish_round)", ["op"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
PDF_WORKER_WAITING = Gauge(
    "signer_pdf_worker_queue_depth", "Requests waiting for a free PDF worker", registry=REGISTRY)
PUSH_SECONDS = Histogram(
    "signer_push_seconds", "Time from a committed signing-session change to its Socket.IO emit",
    registry=REGISTRY, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
AUDIT_EVENTS = Counter(
    "signer_audit_events", "Committed audit events by action (e.g. keystore:wrong-password, "
    "certificate:freeze)", ["action"], registry=REGISTRY)
API_ERRORS = Counter(
    "signer_api_errors", "HTTP API error responses by error code (rate_limited: throttling)", ["code"],
    registry=REGISTRY)
WEBHOOK_ATTEMPTS = Counter(
    "signer_webhook_attempts", "Webhook delivery attempts by outcome (failed attempts are retried)",
    ["outcome"], registry=REGISTRY)

_PENDING = "metrics.audit_actions"
_last_change: contextvars.ContextVar[float | None] = contextvars.ContextVar("signer_last_change", default=None)


def note_audit(session: Session, action: str) -> None:
    """Remember an audit action; counted when (and if) its transaction commits."""
    session.info.setdefault(_PENDING, []).append(action)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    actions = session.info.pop(_PENDING, None)
    if actions:
        for action in actions:
            AUDIT_EVENTS.labels(action=action).inc()
        _last_change.set(time.monotonic())


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def observe_push() -> None:
    """Called by the emitter: the time since this task's last committed change."""
    changed = _last_change.get()
    if changed is not None:
        PUSH_SECONDS.observe(time.monotonic() - changed)


class SessionsByStatus(Collector):
    """``signer_signing_sessions{status}``: rows in the database now (right across processes)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Any]:
        family = GaugeMetricFamily("signer_signing_sessions", "Signing sessions in the database by status",
                                   labels=["status"])
        with self.db.read() as s:
            counts = dict(s.execute(select(SigningSession.status, func.count())
                                    .group_by(SigningSession.status)).all())
        for status in SessionStatus:
            family.add_metric([status.value], counts.get(status, 0))
        yield family


def render(db: Database) -> bytes:
    """The text exposition: this process's metrics and the database-wide ones."""
    shared = CollectorRegistry(auto_describe=False)
    shared.register(SessionsByStatus(db))
    return generate_latest(REGISTRY) + generate_latest(shared)
