"""``pending_timers()``: the whole timer queue of a ClockedEventLoop, through public API."""

from __future__ import annotations

import asyncio
import sys

from asynctoolkit._shared import asyncio_details
from asynctoolkit.clock import ClockedEventLoop
from tests._clocked import ClockedLoopTest


class PendingTimersTest(ClockedLoopTest):
    def test_lists_the_timers_asyncio_sets_itself_and_asyncio_keeps_none(self) -> None:
        seen: list[list[float]] = []

        async def sleeper() -> None:
            await asyncio.sleep(5)

        async def main() -> None:
            task = asyncio.ensure_future(sleeper())
            waiter = asyncio.ensure_future(asyncio.wait_for(asyncio.Event().wait(), 7))
            mine = self.loop.call_later(1, print)
            await asyncio.sleep(0)
            seen.append([t.when() for t in self.loop.pending_timers()])
            # Every timer is listed once here, and none is left on asyncio's heap,
            # so the ready callbacks plus this list are everything the loop will run.
            self.assertEqual(list(asyncio_details.scheduled_timers(self.loop)), [])
            mine.cancel()
            task.cancel()
            waiter.cancel()
            await asyncio.gather(task, waiter, return_exceptions=True)
            seen.append([t.when() for t in self.loop.pending_timers()])

        self.run_loop(main())
        self.assertEqual(seen, [[1.0, 5.0, 7.0], []])

    def test_a_due_timer_leaves_the_list_when_it_is_handed_to_the_loop(self) -> None:
        listed: list[list[asyncio.TimerHandle]] = []

        async def main() -> None:
            self.loop.call_later(1, lambda: listed.append(self.loop.pending_timers()))
            later = self.loop.call_later(2, print)
            await self.loop.advance(1)
            self.assertEqual(listed, [[later]])
            later.cancel()

        self.run_loop(main())

    def test_is_empty_once_the_loop_is_closed(self) -> None:
        loop = ClockedEventLoop()
        loop.call_later(1, print)
        loop.call_at(3600, print)
        loop.close()
        self.assertEqual(loop.pending_timers(), [])

    def test_a_timeout_block_timer_is_listed_while_it_runs(self) -> None:
        if sys.version_info < (3, 11):
            self.skipTest("asyncio.timeout is new in Python 3.11")

        async def main() -> list[float]:
            async with asyncio.timeout(30):
                return [t.when() for t in self.loop.pending_timers()]

        self.assertEqual(self.run_loop(main()), [30.0])
