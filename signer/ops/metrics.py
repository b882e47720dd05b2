"""Metrics read from the database at scrape time (signing sessions by status), and the exposition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from signer.core.db import Database
from signer.core.metrics import REGISTRY
from signer.signing.enums import SessionStatus
from signer.signing.models import SigningSession


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
