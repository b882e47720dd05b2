"""Readiness checks for a load balancer (``GET /readyz``): each cheap, each reporting why it failed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from signer.signing.stamp_fonts import prepared_paths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **({"reason": self.reason} if self.reason else {})}


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


def _fonts(services: Any) -> None:
    if not prepared_paths(services.config):
        raise RuntimeError(f"印章字体未准备（{services.config.font_dir}）：运行 signer init")


def readiness(services: Any) -> list[Check]:
    """Database round trip, Redis when configured, PDF workers answer, CA keys decrypt, fonts prepared."""
    checks: list[tuple[str, Callable[[Any], None]]] = [("database", _database)]
    if services.config.redis_url:
        checks.append(("redis", _redis))
    checks += [("pdf_workers", _pdf_workers), ("ca_keys", _ca_keys), ("stamp_fonts", _fonts)]
    results = []
    for name, probe in checks:
        try:
            probe(services)
            results.append(Check(name, True))
        except Exception as exc:  # a probe reports, it never raises
            reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            log.warning("readiness check %s failed: %s", name, reason, extra={"check": name})
            results.append(Check(name, False, str(reason)[:300]))
    return results
