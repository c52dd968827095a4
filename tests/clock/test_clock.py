"""ClockedEventLoop: virtual time, advance, autojump, run_until_idle, asyncio timeouts."""

from __future__ import annotations

import asyncio
import functools
import math
import selectors
import sys
import time
import unittest
import weakref
from typing import Any

import hypothesis
from hypothesis import strategies

from asynctoolkit._shared import asyncio_details
from asynctoolkit.clock import ClockedEventLoop, StalledClockError, clock_of
from tests._clocked import ClockedLoopTest, close_loop, run_bounded


def _steps(largest: float) -> strategies.SearchStrategy[float]:
    """Advances up to ``largest``: 0, or at least the clock's grain (a smaller one is refused)."""
    return strategies.just(0.0) | strategies.floats(1e-9, largest)


class TimerQueueTest(ClockedLoopTest):
    """The loop's own timer queue: what asyncio's heap would do, and what it must not."""

    def test_pending_timers_lists_live_timers_in_firing_order(self) -> None:
        late = self.loop.call_later(2, print)
        first = self.loop.call_at(1, print)
        second = self.loop.call_later(1, print)
        dropped = self.loop.call_later(0.5, print)
        dropped.cancel()
        self.assertEqual(self.loop.pending_timers(), [first, second, late])

    def test_a_zero_delay_timer_fires_while_a_task_keeps_the_loop_busy(self) -> None:
        fired: list[float] = []

        async def main() -> int:
            self.loop.call_later(0, fired.append, self.loop.time())
            spins = 0
            while not fired:  # never idle: the timer must still fire
                spins += 1
                await asyncio.sleep(0)
            return spins

        self.assertLessEqual(self.run_loop(main()), 2)
        self.assertEqual(fired, [0.0])

    def test_stop_from_a_timer_callback_ends_the_run_before_the_next_instant(self) -> None:
        self.loop.autojump = True
        fired: list[tuple[str, float]] = []

        def stop() -> None:
            fired.append(("stop", self.loop.time()))
            self.loop.stop()

        self.loop.call_later(1, stop)
        self.loop.call_later(1, lambda: fired.append(("same instant", self.loop.time())))
        self.loop.call_later(2, lambda: fired.append(("next instant", self.loop.time())))
        self.loop.call_later(3, self.loop.stop)
        self.loop.run_forever()
        self.assertEqual(fired, [("stop", 1.0), ("same instant", 1.0)])
        self.assertEqual(self.loop.time(), 1.0)
        self.loop.run_forever()
        self.assertEqual(fired[-1], ("next instant", 2.0))
        self.assertEqual(self.loop.time(), 3.0)

    def test_autojump_turned_off_by_a_timer_callback_stops_the_jumps_at_once(self) -> None:
        self.loop.autojump = True
        self.loop.io_grace = 0.0
        fired: list[float] = []

        def turn_off() -> None:
            fired.append(self.loop.time())
            self.loop.autojump = False

        # Timers that wake nothing run instant after instant in one iteration.
        self.loop.call_later(1, fired.append, 1.0)
        self.loop.call_later(2, turn_off)
        self.loop.call_later(3, fired.append, 3.0)
        with self.assertRaises(StalledClockError):
            self.loop.run_forever()
        self.assertEqual(fired, [1.0, 2.0])
        self.assertEqual(self.loop.time(), 2.0)

    def test_an_advance_started_by_a_timer_callback_bounds_the_jumps(self) -> None:
        self.loop.autojump = True
        seen: list[tuple[str, float]] = []

        async def advance() -> None:
            self.loop.autojump = False
            await self.loop.advance(1.5)
            seen.append(("advanced", self.loop.time()))
            self.loop.stop()

        def start() -> None:
            seen.append(("start", self.loop.time()))
            # The coroutine's first step waits for the next iteration.
            self.loop.call_soon(asyncio.ensure_future, advance())

        self.loop.call_later(1, start)
        for when in (2, 3, 4):
            self.loop.call_later(when, lambda: seen.append(("timer", self.loop.time())))
        self.loop.run_forever()
        self.assertEqual(seen, [("start", 1.0), ("timer", 2.0), ("advanced", 2.5)])

    def test_an_exception_in_a_timer_is_reported_and_later_timers_still_run(self) -> None:
        reported: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda loop, context: reported.append(context))
        seen: list[float] = []

        async def main() -> None:
            self.loop.call_later(1, operator_div, 1, 0)
            self.loop.call_later(2, lambda: seen.append(self.loop.time()))
            await self.loop.advance(3)

        self.run_loop(main())
        self.assertEqual(seen, [2.0])
        self.assertEqual(len(reported), 1)
        self.assertIsInstance(reported[0]["exception"], ZeroDivisionError)

    def test_keyboard_interrupt_in_a_timer_leaves_the_later_timers_pending(self) -> None:
        seen: list[float] = []

        def interrupt() -> None:
            raise KeyboardInterrupt

        self.loop.autojump = True
        self.loop.call_later(1, interrupt)
        later = self.loop.call_later(2, lambda: seen.append(self.loop.time()))
        with self.assertRaises(KeyboardInterrupt):
            self.loop.run_until_complete(asyncio.sleep(5))
        self.assertEqual(self.loop.time(), 1.0)
        self.assertIn(later, self.loop.pending_timers())
        self.run_loop(asyncio.sleep(5))
        self.assertEqual(seen, [2.0])

    def test_cancelled_timers_do_not_accumulate(self) -> None:
        # asyncio.timeout and wait_for cancel a timer on every call that ends in time.
        keep = self.loop.call_later(1, print)
        refs = []
        for _ in range(20_000):
            handle = self.loop.call_later(3600, print)
            refs.append(weakref.ref(handle))
            handle.cancel()
        del handle
        self.assertLess(sum(ref() is not None for ref in refs), 100)
        self.assertEqual(self.loop.pending_timers(), [keep])


def operator_div(a: int, b: int) -> float:
    return a / b


class AdvanceTest(ClockedLoopTest):
    def test_time_starts_at_zero(self) -> None:
        self.assertEqual(self.loop.time(), 0.0)

    def test_callbacks_scheduled_during_the_window_run_on_time(self) -> None:
        seen: list[float] = []

        def record() -> None:
            seen.append(self.loop.time())

        async def main() -> None:
            self.loop.call_later(1, record)
            self.loop.call_later(2, self.loop.call_later, 1, record)
            await self.loop.advance(3)

        self.run_loop(main())
        self.assertEqual(seen, [1.0, 3.0])
        self.assertEqual(self.loop.time(), 3.0)

    def test_sleeps_in_another_task_complete_inside_the_window(self) -> None:
        async def sleeper() -> float:
            await asyncio.sleep(1)
            await asyncio.sleep(1)
            return self.loop.time()

        async def main() -> None:
            task = asyncio.create_task(sleeper())
            await self.loop.advance(2)
            self.assertTrue(task.done())
            self.assertEqual(task.result(), 2.0)

        self.run_loop(main())

    def test_time_rests_exactly_at_the_target(self) -> None:
        async def main() -> None:
            self.loop.call_later(1, lambda: None)
            await self.loop.advance(2.5)
            self.assertEqual(self.loop.time(), 2.5)
            await self.loop.advance(0)
            self.assertEqual(self.loop.time(), 2.5)

        self.run_loop(main())

    def test_a_timer_due_at_the_target_runs_before_advance_returns(self) -> None:
        seen: list[float] = []

        async def main() -> None:
            self.loop.call_later(2, lambda: seen.append(self.loop.time()))
            await self.loop.advance(2)
            self.assertEqual(seen, [2.0])

        self.run_loop(main())

    def test_advance_zero_runs_what_is_ready_now(self) -> None:
        seen: list[str] = []

        async def chain() -> None:
            for step in range(5):
                seen.append(f"step {step}")
                await asyncio.sleep(0)

        async def main() -> None:
            asyncio.create_task(chain())
            self.loop.call_later(0, seen.append, "timer due now")
            self.loop.call_later(1, seen.append, "later")
            await self.loop.advance(0)
            self.assertEqual(self.loop.time(), 0.0)

        self.run_loop(main())
        self.assertEqual(
            sorted(seen), ["step 0", "step 1", "step 2", "step 3", "step 4", "timer due now"]
        )

    def test_advance_to_an_absolute_time(self) -> None:
        async def main() -> None:
            await self.loop.advance(1)
            fired: list[float] = []
            self.loop.call_at(4.25, lambda: fired.append(self.loop.time()))
            await self.loop.advance_to(10.125)
            self.assertEqual(fired, [4.25])
            self.assertEqual(self.loop.time(), 10.125)
            await self.loop.advance_to(10.125)  # "now" is allowed

        self.run_loop(main())

    def test_advance_to_fires_a_call_later_of_the_same_arbitrary_delay(self) -> None:
        # call_later keeps due times on whole nanoseconds; advance_to(d) must
        # still fire call_later(d) for a delay that is not (found by an example).
        delay = 1.2550690257394217

        async def main() -> None:
            fired: list[float] = []
            handle = self.loop.call_later(delay, lambda: fired.append(self.loop.time()))
            await self.loop.advance_to(delay)
            self.assertEqual(fired, [handle.when()])
            self.assertLessEqual(abs(self.loop.time() - delay), 0.5e-9)

        self.run_loop(main())

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(start=_steps(1e6), delay=_steps(1e6), exact=strategies.booleans())
    def test_advance_to_fires_every_timer_due_at_the_target(
        self, start: float, delay: float, exact: bool
    ) -> None:
        loop = ClockedEventLoop()
        self.addCleanup(close_loop, loop)

        async def main() -> None:
            await loop.advance(start)
            fired: list[str] = []
            target = loop.time() + delay
            loop.call_later(delay, fired.append, "call_later")
            if exact:
                loop.call_at(target, fired.append, "call_at")
            await loop.advance_to(target)
            self.assertEqual(sorted(fired), ["call_at", "call_later"] if exact else ["call_later"])
            # Due times and targets are whole nanoseconds.
            self.assertLessEqual(abs(loop.time() - target), 0.5e-9 + math.ulp(target))

        run_bounded(loop, main())

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(start=_steps(1e5), delay=_steps(1e3))
    def test_advance_fires_call_at_time_plus_delay(self, start: float, delay: float) -> None:
        # How asyncio.timeout, wait_for and the rpc deadlines schedule: a
        # review found advance(d) missing such a timer at 12% of instants.
        loop = ClockedEventLoop()
        self.addCleanup(close_loop, loop)

        async def main() -> None:
            await loop.advance(start)
            fired: list[str] = []
            loop.call_at(loop.time() + delay, fired.append, "call_at")
            loop.call_later(delay, fired.append, "call_later")
            await loop.advance(delay)
            self.assertEqual(fired, ["call_at", "call_later"])  # same instant, FIFO

        run_bounded(loop, main())

    @unittest.skipIf(sys.version_info < (3, 11), "asyncio.timeout is new in Python 3.11")
    def test_a_timeout_and_a_sleep_of_the_same_length_at_any_instant(self) -> None:
        async def main() -> list[str]:
            outcomes = []
            for start in (0.639, 1.0, 1.1, 12345.678):
                await self.loop.advance_to(start)
                try:
                    async with asyncio.timeout(0.1):  # scheduled first: fires first
                        await asyncio.sleep(0.1)
                    outcomes.append("slept")
                except TimeoutError:
                    outcomes.append("timed out")
            return outcomes

        self.loop.autojump = True
        self.assertEqual(self.run_loop(main()), ["timed out"] * 4)

    def test_manual_mode_does_not_move_without_advance(self) -> None:
        async def main() -> None:
            self.loop.call_later(5, lambda: None)
            await asyncio.sleep(0)
            await self.loop.run_until_idle()
            self.assertEqual(self.loop.time(), 0.0)

        self.run_loop(main())

    def test_concurrent_advances_each_return_at_their_target(self) -> None:
        ends: dict[str, float] = {}

        async def advance(name: str, seconds: float) -> None:
            await self.loop.advance(seconds)
            ends[name] = self.loop.time()

        async def main() -> None:
            await asyncio.gather(advance("short", 1), advance("long", 3))

        self.run_loop(main())
        self.assertEqual(ends, {"short": 1.0, "long": 3.0})
        self.assertEqual(self.loop.time(), 3.0)

    def test_a_cancelled_advance_stops_moving_time(self) -> None:
        async def main() -> None:
            task = asyncio.create_task(self.loop.advance(100))
            await asyncio.sleep(0)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            await self.loop.advance(1)
            self.assertEqual(self.loop.time(), 1.0)

        self.run_loop(main())

    def test_clock_of_the_running_loop(self) -> None:
        async def main() -> None:
            self.assertIs(clock_of(), self.loop)
            await clock_of().advance(2)

        self.run_loop(main())
        self.assertIs(clock_of(self.loop), self.loop)
        self.assertEqual(self.loop.time(), 2.0)


class NoDriftTest(ClockedLoopTest):
    def test_many_small_advances_add_up_exactly(self) -> None:
        async def main() -> None:
            for _ in range(1000):
                await self.loop.advance(0.001)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 1.0)

    def test_many_small_sleeps_add_up_exactly(self) -> None:
        self.loop.autojump = True

        async def main() -> None:
            for _ in range(10_000):
                await asyncio.sleep(0.0001)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 1.0)

    def test_back_on_whole_nanoseconds_after_an_arbitrary_call_at(self) -> None:
        fired: list[float] = []

        async def main() -> None:
            # 0.30000000000000004 is not a whole number of nanoseconds: the
            # timer is due at 0.3, the clock's resolution being a nanosecond.
            handle = self.loop.call_at(0.1 + 0.2, lambda: fired.append(self.loop.time()))
            self.assertEqual(handle.when(), 0.3)
            await self.loop.advance_to(0.1 + 0.2)
            self.assertEqual(fired, [0.3])
            self.loop.autojump = True
            for _ in range(7):
                await asyncio.sleep(0.1)
            self.assertEqual(self.loop.time(), 1.0)
            self.loop.autojump = False
            await self.loop.advance_to(1 + 2 / 3)  # rests at 1.666666667, to the nanosecond
            await self.loop.advance(0)
            self.assertEqual(self.loop.time(), 1.666666667)
            await self.loop.advance(1 / 3)
            self.assertEqual(self.loop.time(), 2.0)

        self.run_loop(main())


class AutojumpTest(ClockedLoopTest):
    autojump = True

    def test_a_virtual_year_passes_at_once(self) -> None:
        year = 86400 * 365
        started = time.perf_counter()
        self.run_loop(asyncio.sleep(year))
        self.assertEqual(self.loop.time(), float(year))
        # Timers keep firing at that magnitude, where one float step is ~4 ns.
        self.run_loop(asyncio.sleep(1))
        self.run_loop(asyncio.sleep(1e-6))
        self.assertEqual(self.loop.time(), year + 1 + 1e-6)
        self.assertLess(time.perf_counter() - started, 5.0)  # a hang guard, not a benchmark

    def test_manual_advance_at_a_year_fires_timers_due_exactly_now(self) -> None:
        self.loop.autojump = False
        year = 86400.0 * 365
        seen: list[float] = []

        async def main() -> None:
            await self.loop.advance_to(year)
            self.loop.call_later(1, lambda: seen.append(self.loop.time()))
            self.loop.call_later(0, lambda: seen.append(self.loop.time()))
            await self.loop.advance(1)

        self.run_loop(main())
        self.assertEqual(seen, [year, year + 1])

    def test_a_year_of_daily_sleeps(self) -> None:
        async def main() -> None:
            for _ in range(365):
                await asyncio.sleep(86400)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 86400.0 * 365)

    def test_autojump_can_be_switched_while_running(self) -> None:
        self.loop.autojump = False

        async def main() -> None:
            self.loop.autojump = True
            await asyncio.sleep(30)
            self.loop.autojump = False
            await self.loop.advance(1)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 31.0)

    def test_jumps_only_when_every_task_is_blocked(self) -> None:
        order: list[str] = []

        async def busy() -> None:
            for _ in range(50):
                await asyncio.sleep(0)
            order.append(f"busy done at {self.loop.time()}")

        async def main() -> None:
            task = asyncio.create_task(busy())
            await asyncio.sleep(10)
            order.append(f"sleep done at {self.loop.time()}")
            await task

        self.run_loop(main())
        self.assertEqual(order, ["busy done at 0.0", "sleep done at 10.0"])


class RunUntilIdleTest(ClockedLoopTest):
    def test_runs_every_task_until_blocked_without_moving_time(self) -> None:
        async def main() -> None:
            queue: asyncio.Queue[int] = asyncio.Queue()
            got: list[int] = []

            async def producer() -> None:
                for i in range(3):
                    await queue.put(i)
                    await asyncio.sleep(0)

            async def consumer() -> None:
                while True:
                    got.append(await queue.get())

            tasks = [asyncio.create_task(producer()), asyncio.create_task(consumer())]
            self.loop.call_later(1, got.append, 99)
            await self.loop.run_until_idle()
            self.assertEqual(got, [0, 1, 2])
            self.assertEqual(self.loop.time(), 0.0)
            self.assertTrue(tasks[0].done())
            tasks[1].cancel()

        self.run_loop(main())


class AsyncioTimeoutsTest(ClockedLoopTest):
    def test_wait_for_times_out_at_the_virtual_deadline(self) -> None:
        async def main() -> None:
            task = asyncio.create_task(asyncio.wait_for(asyncio.sleep(10), 5))
            await self.loop.advance(4.999)
            self.assertFalse(task.done())
            await self.loop.advance(0.001)
            self.assertTrue(task.done())
            with self.assertRaises(asyncio.TimeoutError):
                task.result()

        self.run_loop(main())

    def test_wait_for_returns_the_result_in_time(self) -> None:
        self.loop.autojump = True

        async def main() -> None:
            self.assertEqual(await asyncio.wait_for(asyncio.sleep(3, "ok"), 5), "ok")
            self.assertEqual(self.loop.time(), 3.0)

        self.run_loop(main())

    @unittest.skipIf(sys.version_info < (3, 11), "asyncio.timeout is new in Python 3.11")
    def test_timeout_and_timeout_at(self) -> None:
        self.loop.autojump = True

        async def main() -> list[float]:
            ends = []
            with self.assertRaises(TimeoutError):
                async with asyncio.timeout(2):  # type: ignore[attr-defined]
                    await asyncio.sleep(100)
            ends.append(self.loop.time())
            with self.assertRaises(TimeoutError):
                async with asyncio.timeout_at(self.loop.time() + 3):  # type: ignore[attr-defined]
                    await asyncio.Event().wait()
            ends.append(self.loop.time())
            return ends

        self.assertEqual(self.run_loop(main()), [2.0, 5.0])


class UsageTest(unittest.TestCase):
    @unittest.skipIf(sys.version_info < (3, 11), "asyncio.Runner is new in Python 3.11")
    def test_asyncio_runner_with_loop_factory(self) -> None:
        factory = functools.partial(ClockedEventLoop, autojump=True)

        async def main() -> float:
            await asyncio.sleep(3600)
            await asyncio.to_thread(time.sleep, 0.001)
            return asyncio.get_running_loop().time()

        with asyncio.Runner(loop_factory=factory) as runner:  # type: ignore[attr-defined]
            self.assertEqual(runner.run(main()), 3600.0)
            self.assertIsInstance(runner.get_loop(), ClockedEventLoop)

    def test_any_base_selector_is_accepted_and_stays_reachable(self) -> None:
        class Recording(selectors.DefaultSelector):
            def describe(self) -> str:
                return "recording selector"

        loop = ClockedEventLoop(Recording())
        self.addCleanup(close_loop, loop)
        wrapper: Any = asyncio_details.loop_selector(loop)
        self.assertEqual(wrapper.describe(), "recording selector")
        self.assertIsInstance(wrapper.inner, Recording)
        loop.autojump = True
        self.assertEqual(run_bounded(loop, asyncio.sleep(1, "done")), "done")

    def test_settings_are_validated(self) -> None:
        loop = ClockedEventLoop()
        self.addCleanup(close_loop, loop)
        with self.assertRaisesRegex(TypeError, "autojump must be True or False"):
            loop.autojump = 1  # type: ignore[assignment]
        with self.assertRaisesRegex(ValueError, "io_grace"):
            loop.io_grace = -1
        with self.assertRaisesRegex(ValueError, "real_timeout"):
            loop.real_timeout = float("inf")
        with self.assertRaisesRegex(TypeError, "real_timeout"):
            loop.real_timeout = "10"  # type: ignore[assignment]
        with self.assertRaisesRegex(ValueError, "spin_limit"):
            loop.spin_limit = 0
        with self.assertRaisesRegex(TypeError, "spin_limit"):
            loop.spin_limit = 1.5  # type: ignore[assignment]
        loop.io_grace, loop.real_timeout, loop.spin_limit = 0, 1.5, 10
        self.assertEqual((loop.io_grace, loop.real_timeout, loop.spin_limit), (0.0, 1.5, 10))

    def test_bad_selectors_are_refused(self) -> None:
        with self.assertRaisesRegex(TypeError, "selectors.BaseSelector"):
            ClockedEventLoop(object())  # type: ignore[arg-type]
        loop = ClockedEventLoop()
        self.addCleanup(close_loop, loop)
        wrapper = asyncio_details.loop_selector(loop)
        assert wrapper is not None
        with self.assertRaisesRegex(TypeError, "already drives another ClockedEventLoop"):
            ClockedEventLoop(wrapper)


if __name__ == "__main__":
    unittest.main()
