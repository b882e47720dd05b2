"""pyHanko's async API from synchronous code, on one event loop kept open between calls.

``asyncio.run`` builds and closes an event loop on every call (about a millisecond, and a signing round
makes several calls). The worker process calls these functions one after another from its main thread, so
that thread keeps one loop for its lifetime. Any other thread (or greenlet) gets ``asyncio.run``'s fresh loop,
so nothing is shared between threads and no loop is left open per thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

class LoopKeeper:
    """Runs coroutines on one loop for the first thread that calls it, and on a fresh one for any other."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._runner: asyncio.Runner | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` to completion; must not be called from inside a running event loop."""
        with self._lock:
            if self._owner is None:
                self._owner, self._runner = threading.get_ident(), asyncio.Runner()
            runner = self._runner if self._owner == threading.get_ident() else None
        return runner.run(coro) if runner is not None else asyncio.run(coro)


run = LoopKeeper().run
