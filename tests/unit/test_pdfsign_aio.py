"""Issue 12: the worker runs pyHanko's async API on one loop kept open, not a new loop per call."""

from __future__ import annotations

import asyncio
import threading

import pytest

from pdfsign.aio import LoopKeeper


async def _running_loop() -> asyncio.AbstractEventLoop:
    await asyncio.sleep(0)
    return asyncio.get_running_loop()


def test_the_first_thread_keeps_its_loop_and_other_threads_get_a_fresh_closed_one():
    keeper = LoopKeeper()
    first = keeper.run(_running_loop())
    assert keeper.run(_running_loop()) is first and not first.is_closed()  # kept open between calls

    seen: list[asyncio.AbstractEventLoop] = []
    other = threading.Thread(target=lambda: seen.extend([keeper.run(_running_loop()), keeper.run(_running_loop())]))
    other.start()
    other.join()
    assert first not in seen and seen[0] is not seen[1]  # another thread never shares the kept loop
    assert all(loop.is_closed() for loop in seen)  # and leaves nothing open


def test_an_exception_in_one_call_leaves_the_kept_loop_usable():
    keeper = LoopKeeper()

    async def fail() -> None:
        raise ValueError("refused")

    first = keeper.run(_running_loop())
    with pytest.raises(ValueError, match="refused"):
        keeper.run(fail())
    assert keeper.run(_running_loop()) is first
