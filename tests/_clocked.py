"""A unittest base class that gives each test its own ClockedEventLoop."""

from __future__ import annotations

import asyncio
import threading
import unittest
from collections.abc import Coroutine
from typing import Any, TypeVar

from asynctoolkit.clock import ClockedEventLoop

_T = TypeVar("_T")


class ClockedLoopTest(unittest.TestCase):
    """``self.loop`` is a fresh ClockedEventLoop; ``self.run_loop(coro)`` runs on it."""

    autojump = False

    def setUp(self) -> None:
        self.loop = ClockedEventLoop(autojump=self.autojump)
        self.addCleanup(close_loop, self.loop)

    def run_loop(self, coro: Coroutine[Any, Any, _T]) -> _T:
        return run_bounded(self.loop, coro)


#: Real seconds after which ``run_bounded`` stops a loop that hangs.
REAL_LIMIT = 10.0


def run_bounded(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, _T]) -> _T:
    """``loop.run_until_complete(coro)``, stopped after ``REAL_LIMIT`` real seconds.

    A regression that makes the loop spin then fails the test (RuntimeError:
    "Event loop stopped before Future completed") instead of hanging the suite.
    """
    guard = threading.Timer(REAL_LIMIT, loop.call_soon_threadsafe, args=(loop.stop,))
    guard.daemon = True
    guard.start()
    try:
        return loop.run_until_complete(coro)
    finally:
        guard.cancel()


def close_loop(loop: ClockedEventLoop) -> None:
    """Cancel what a test left pending (after a failure on purpose), then close."""
    try:
        leftover = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in leftover:
            task.cancel()
        if leftover:
            loop.autojump = True
            run_bounded(loop, _gather(leftover))
        run_bounded(loop, loop.shutdown_default_executor())
    finally:
        loop.close()


async def _gather(tasks: list[asyncio.Task[Any]]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
