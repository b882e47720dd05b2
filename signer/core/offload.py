"""Run blocking CPU work (KDFs) off the gevent loop when one is running."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """In a gevent server, run ``fn`` in the hub's OS-thread pool (hashlib.scrypt releases the GIL)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return fn(*args)
    if not monkey.is_module_patched("threading"):
        return fn(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(fn, args)
