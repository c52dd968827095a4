"""Tests of the worker pool, written with asynctoolkit.TestCase.

What to notice:
- test methods, setUp and cleanups are plain ``async def``: each test runs on
  its own fresh event loop;
- ``addAsyncCleanup`` shuts the pool down after every test, so its worker tasks
  never outlive the test: if one did, the ``pending_tasks`` check would fail
  the test and name the task;
- ``successResultOf`` / ``assertNoResult`` inspect a future without running the loop;
- ``assertAsyncRaises`` awaits and checks the exception in one step.
"""

from __future__ import annotations

import asyncio

import asynctoolkit
from workerpool.pool import PoolClosed, WorkerPool


class WorkerPoolTest(asynctoolkit.TestCase):
    async def asyncSetUp(self) -> None:
        self.pool = WorkerPool(size=2)
        self.addAsyncCleanup(self.pool.shutdown)

    async def test_a_job_result_reaches_its_future(self) -> None:
        async def job() -> int:
            await asyncio.sleep(0)
            return 42

        self.assertEqual(await self.pool.submit(job), 42)

    async def test_a_failing_job_fails_only_its_own_future(self) -> None:
        async def broken() -> None:
            raise ValueError("bad input")

        async def fine() -> str:
            return "ok"

        failed, succeeded = self.pool.submit(broken), self.pool.submit(fine)
        # assertAsyncRaises awaits and checks in one step.  (The traceback of
        # this exception runs through a worker's suspended coroutine: unittest's
        # own assertRaises would clear its frames and close that coroutine on
        # Python 3.10-3.12; asynctoolkit's TestCase leaves them alone.)
        await self.assertAsyncRaises(ValueError, failed)
        self.assertEqual(await succeeded, "ok")

    async def test_no_more_than_size_jobs_run_at_once(self) -> None:
        running = 0
        peak = 0
        release = asyncio.Event()

        async def job() -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await release.wait()
            running -= 1

        futures = [self.pool.submit(job) for _ in range(5)]
        await asynctoolkit.exhaust_callbacks(self.loop)
        self.assertEqual(peak, 2)
        self.assertNoResult(futures[0])  # still waiting for the event
        release.set()
        await asyncio.gather(*futures)
        self.assertEqual(self.pool.completed, 5)

    async def test_shutdown_finishes_queued_jobs_then_refuses_new_ones(self) -> None:
        async def job() -> str:
            return "done"

        future = self.pool.submit(job)
        await self.pool.shutdown()
        self.assertEqual(self.successResultOf(future), "done")
        with self.assertRaises(PoolClosed):
            self.pool.submit(job)

    def test_a_pool_needs_a_worker(self) -> None:
        with self.assertRaisesRegex(ValueError, "at least one worker"):
            WorkerPool(size=0)
