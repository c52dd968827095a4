"""A small pool of asyncio workers: submit coroutine jobs, get their results, shut down cleanly.

This is the library under test in this example.  It is deliberately ordinary
asyncio code; ``test_pool.py`` shows how asynctoolkit tests it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Job = Callable[[], Awaitable[Any]]


class PoolClosed(RuntimeError):
    """Raised by ``submit`` once the pool is shutting down."""


class WorkerPool:
    """Run submitted jobs on at most ``size`` concurrent worker tasks."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._workers = [asyncio.create_task(self._work(), name=f"worker-{i}") for i in range(size)]
        self._closed = False
        self.completed = 0

    def submit(self, job: Job) -> asyncio.Future[Any]:
        """Queue ``job``; the returned future gets its result or exception."""
        if self._closed:
            raise PoolClosed("the pool is shut down; create a new one")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return future

    async def shutdown(self) -> None:
        """Finish the queued jobs, then stop every worker."""
        self._closed = True
        for _ in self._workers:
            self._queue.put_nowait(None)
        await asyncio.gather(*self._workers)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            job, future = item
            try:
                result = await job()
            except Exception as exc:  # the job's failure belongs to its future
                if not future.cancelled():
                    future.set_exception(exc)
            else:
                if not future.cancelled():
                    future.set_result(result)
            self.completed += 1
