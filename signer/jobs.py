"""The background sweep: expire overdue signing sessions, create and send due webhooks, purge old drafts.

``sweep`` runs one pass and reports what changed; ``run_forever`` repeats it. Every process runs one
(compare-and-set and delivery leases make them agree); the composition root schedules it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signer.app import Services

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    expired_sessions: list[str] = field(default_factory=list)
    webhooks_enqueued: int = 0
    webhooks_delivered: int = 0
    drafts_purged: int = 0
    failed: list[str] = field(default_factory=list)  # tasks that raised (logged; the others still ran)


def sweep(services: Services) -> SweepResult:
    """One pass over every task; a failing task is logged and the next one still runs."""
    result = SweepResult()
    tasks: list[tuple[str, Callable[[], Any]]] = [
        ("expired_sessions", services.signing.expire_due),
        ("webhooks_enqueued", services.webhooks.enqueue_due),
        ("webhooks_delivered", services.webhooks.deliver_due),
        ("drafts_purged", lambda: services.drafts.purge_expired()),
    ]
    for name, task in tasks:
        try:
            setattr(result, name, task())
        except Exception:  # keep sweeping
            log.exception("sweep task %s failed", name)
            result.failed.append(name)
    return result


def run_forever(services: Services, sleep: Callable[[float], Any], every: float = 2.0) -> None:
    """Sweep every ``every`` seconds, sleeping with the server's own ``sleep`` (gevent-friendly)."""
    while True:
        sleep(every)
        sweep(services)
