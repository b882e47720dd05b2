"""Prometheus metrics of the service (exposed at ``/metrics`` by api/views/ops.py).

Process-local counters and histograms live in one registry; facts that several processes share
(signing sessions by status) are counted from the database at scrape time, so every process reports
the same truth. Audit actions are counted when their transaction commits, never for a rolled-back one.
"""

from __future__ import annotations

import contextvars
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

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
