"""Rate limits kept in the database, so every process sees the same counts.

``hit`` is a fixed-window counter of every attempt; the failure counters below (login) count only
failures and grow the delay per failure, so they slow a guesser without locking out the real user.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from signer.core.db import Database, insert_ignore
from signer.core.errors import RateLimited
from signer.core.models import LoginFailures, RateBucket, utcnow


def hit(db: Database, key: str, limit: int, window_seconds: int, message: str = "操作过于频繁，请稍后再试") -> None:
    """Count one attempt for ``key``; RateLimited once the window's limit is exceeded."""
    window = int(time.time()) // window_seconds * window_seconds
    for _ in range(3):
        try:
            with db.write() as s:
                result = s.execute(
                    update(RateBucket)
                    .where(RateBucket.key == key, RateBucket.window_start == window)
                    .values(count=RateBucket.count + 1)
                    .returning(RateBucket.count)
                ).scalar_one_or_none()
                if result is None:
                    s.execute(delete(RateBucket).where(RateBucket.key == key, RateBucket.window_start < window))
                    s.add(RateBucket(key=key, window_start=window, count=1))
                    result = 1
        except IntegrityError:
            continue  # another process created the bucket first: count again
        if result > limit:
            raise RateLimited(message, details={"retry_after": window + window_seconds - int(time.time())})
        return
    raise RateLimited(message)


@dataclass(frozen=True)
class FailurePolicy:
    """How failed attempts slow a key down: ``free`` failures, then a delay doubling per failure, capped."""

    free: int
    base_seconds: int
    cap_seconds: int
    forget_after: timedelta = timedelta(hours=1)  # a quiet key starts again from zero

    def delay(self, failures: int) -> int:
        if failures < self.free:
            return 0
        return min(self.base_seconds * 2 ** min(failures - self.free, 20), self.cap_seconds)


def check_blocked(db: Database, keys: list[str], message: str) -> None:
    """RateLimited (with ``retry_after``) while any key is inside its delay; counts nothing."""
    now = utcnow()
    with db.read() as s:
        until = [row.blocked_until for row in s.scalars(select(LoginFailures).where(LoginFailures.key.in_(keys)))
                 if row.blocked_until is not None and row.blocked_until > now]
    if until:
        wait = max(until) - now
        raise RateLimited(message, details={"retry_after": max(1, math.ceil(wait.total_seconds()))})


def record_failure(db: Database, key: str, policy: FailurePolicy, refuse_blocked: str | None = None) -> None:
    """Count one failure for ``key`` and set its next delay, in one locked step.

    With ``refuse_blocked`` (a message), a key inside its delay is refused (RateLimited) and not counted;
    counting *before* checking the password this way lets exactly ``free`` concurrent guesses through.
    """
    now = utcnow()
    with db.write() as s:
        insert_ignore(s, LoginFailures, {"key": key, "failures": 0, "last_failure_at": now}, ["key"])
        row = s.execute(select(LoginFailures).where(LoginFailures.key == key).with_for_update()).scalar_one()
        if refuse_blocked is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = math.ceil((row.blocked_until - now).total_seconds())
            raise RateLimited(refuse_blocked, details={"retry_after": max(1, wait)})
        failures = 1 if now - row.last_failure_at > policy.forget_after else row.failures + 1
        delay = policy.delay(failures)
        row.failures = failures
        row.last_failure_at = now
        row.blocked_until = now + timedelta(seconds=delay) if delay else None


def clear(db: Database, key: str) -> None:
    with db.write() as s:
        s.execute(delete(LoginFailures).where(LoginFailures.key == key))
