"""Readiness checks for a load balancer (``GET /readyz``): each cheap, each reporting why it failed.

A probe raises to fail; it may return ``(state, text)`` to pass with a note (fonts still preparing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from signer.signing.stamp_fonts import PREPARING, READY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""
    state: str = ""  # a passing check that is still settling says so (stamp fonts: "preparing")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **({"state": self.state} if self.state else {}),
                **({"reason": self.reason} if self.reason else {})}


def _database(services: Any) -> None:
    with services.db.read() as s:
        s.execute(text("SELECT 1")).one()


def _redis(services: Any) -> None:
    import redis

    client = redis.Redis.from_url(services.config.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        if not client.ping():
            raise RuntimeError("PING 无应答")
    finally:
        client.close()


def _pdf_workers(services: Any) -> None:
    services.pool.request("ping")


def _ca_keys(services: Any) -> None:
    for name in ("root", "issuing"):
        pair = services.ca.pair(name)
        if pair.private_key.public_key() != pair.certificate.public_key():
            raise RuntimeError(f"{name} 私钥与证书不匹配")


def _fonts(services: Any) -> tuple[str, str] | None:
    """Ready, or being prepared in the background: pages and the API serve meanwhile (a signature
    waits for the fonts), so ``preparing`` passes and says so. Missing or failed fonts fail."""
    state, text = services.signing.fonts.state()
    if state == READY:
        return None
    if state == PREPARING:
        return state, text
    raise RuntimeError(text)


def readiness(services: Any) -> list[Check]:
    """Database round trip, Redis when configured, PDF workers answer, CA keys decrypt, fonts prepared."""
    checks: list[tuple[str, Callable[[Any], tuple[str, str] | None]]] = [("database", _database)]
    if services.config.redis_url:
        checks.append(("redis", _redis))
    checks += [("pdf_workers", _pdf_workers), ("ca_keys", _ca_keys), ("stamp_fonts", _fonts)]
    results = []
    for name, probe in checks:
        try:
            note = probe(services)
            state, text = note or ("", "")
            results.append(Check(name, True, reason=text, state=state))
        except Exception as exc:  # a probe reports, it never raises
            reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            log.warning("readiness check %s failed: %s", name, reason, extra={"check": name})
            results.append(Check(name, False, str(reason)[:300]))
    return results
