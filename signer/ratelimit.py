"""Fixed-window rate limits kept in the database, so every process sees the same counts."""

from __future__ import annotations

import time

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from .db import Database
from .errors import RateLimited
from .models import RateBucket


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
