"""ClockedEventLoop failures: deadlock, stalled clock, endless spinning, bad input."""

from __future__ import annotations

import asyncio
import math
import socket
import unittest
from typing import Any

from asynctoolkit.clock import ClockedEventLoop, DeadlockError, StalledClockError, clock_of
from tests._clocked import ClockedLoopTest


async def wait_forever(event: asyncio.Event) -> None:
    await event.wait()


async def consumer(queue: asyncio.Queue[int]) -> None:
    await queue.get()


async def sleepy() -> None:
    await asyncio.sleep(10)


class DeadlockTest(ClockedLoopTest):
    def check_deadlock(self) -> str:
        async def main() -> None:
            event = asyncio.Event()
            queue: asyncio.Queue[int] = asyncio.Queue()
            waiter = asyncio.create_task(wait_forever(event), name="event-waiter")
            reader = asyncio.create_task(consumer(queue), name="queue-reader")
            await asyncio.gather(waiter, reader)

        with self.assertRaises(DeadlockError) as caught:
            self.run_loop(main())
        return str(caught.exception)

    def test_manual_mode_reports_every_blocked_task_with_its_await_chain(self) -> None:
        message = self.check_deadlock()
        self.assertTrue(message.startswith("deadlock at t=0: every task is blocked"), message)
        self.assertIn("task 'event-waiter' running wait_forever()", message)
        self.assertIn("task 'queue-reader' running consumer()", message)
        self.assertIn("clock/test_failures.py:16 in wait_forever", message)
        self.assertIn("in wait\n", message)  # Event.wait, one level down the chain
        self.assertIn("clock/test_failures.py:20 in consumer", message)
        self.assertIn("in get\n", message)
        self.assertIn("in main", message)
        self.assertIn("asyncio.to_thread()", message)

    def test_autojump_mode_reports_it_too(self) -> None:
        self.loop.autojump = True
        message = self.check_deadlock()
        self.assertIn("task 'event-waiter' running wait_forever()", message)

    def test_the_loop_is_usable_after_a_deadlock(self) -> None:
        self.check_deadlock()
        self.loop.autojump = True
        self.assertEqual(self.run_loop(asyncio.sleep(1, "again")), "again")

    def test_a_task_sleeping_forever_is_a_deadlock(self) -> None:
        self.loop.autojump = True
        with self.assertRaises(DeadlockError) as caught:
            self.run_loop(asyncio.sleep(math.inf))
        self.assertIn("the only timer is due at t=inf", str(caught.exception))

    def test_silent_watched_io_fails_after_real_timeout(self) -> None:
        self.loop.real_timeout = 0.05
        near, far = socket.socketpair()
        self.addCleanup(near.close)
        self.addCleanup(far.close)
        near.setblocking(False)

        with self.assertRaises(DeadlockError) as caught:
            self.run_loop(self.loop.sock_recv(near, 1))
        message = str(caught.exception)
        self.assertIn("nothing happened for 0.05s of real time at t=0", message)
        self.assertIn(f"watched fd {near.fileno()}: reader", message)


class StalledClockTest(ClockedLoopTest):
    def test_manual_mode_blocked_on_a_timer_fails_with_the_timers_and_a_hint(self) -> None:
        async def main() -> None:
            await self.loop.advance(2)
            self.loop.call_later(7.5, print, "never")
            await asyncio.create_task(sleepy(), name="sleeper")

        with self.assertRaises(StalledClockError) as caught:
            self.run_loop(main())
        message = str(caught.exception)
        self.assertTrue(message.startswith("the clock is stalled at t=2:"), message)
        self.assertIn("next timer is due at t=9.5", message)
        self.assertIn("autojump is off and no advance() is running", message)
        self.assertIn("at t=9.5: print('never')", message)
        self.assertIn("at t=12: ", message)
        self.assertLess(message.index("at t=9.5"), message.index("at t=12: "))
        self.assertIn("task 'sleeper' running sleepy()", message)
        self.assertIn("clock/test_failures.py:24 in sleepy", message)
        self.assertIn("await self.advance(7.5)", message)
        self.assertIn("autojump = True", message)

    def test_no_stall_while_advance_runs_or_autojump_is_on(self) -> None:
        async def main() -> None:
            task = asyncio.create_task(sleepy())
            await self.loop.advance(10)
            self.assertTrue(task.done())
            self.loop.autojump = True
            await sleepy()

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 20.0)


class SpinTest(ClockedLoopTest):
    def setUp(self) -> None:
        super().setUp()
        self.loop.spin_limit = 500
        self.spinning = True

    def rearm(self) -> None:
        if self.spinning:
            self.loop.call_soon(self.rearm)

    def test_advance_fails_on_a_callback_that_rearms_itself(self) -> None:
        async def main() -> None:
            self.loop.call_soon(self.rearm)
            try:
                await self.loop.advance(1)
            finally:
                self.spinning = False

        with self.assertRaises(RuntimeError) as caught:
            self.run_loop(main())
        message = str(caught.exception)
        self.assertIn("the loop ran 500 iterations at t=0 without becoming idle", message)
        self.assertIn("SpinTest.rearm()", message)
        self.assertIn("spin_limit (now 500)", message)

    def test_run_until_idle_fails_on_a_task_looping_on_sleep_zero(self) -> None:
        async def spinner() -> None:
            while self.spinning:
                await asyncio.sleep(0)

        async def main() -> None:
            task = asyncio.create_task(spinner())
            try:
                await self.loop.run_until_idle()
            finally:
                self.spinning = False
                await task

        with self.assertRaisesRegex(RuntimeError, "iterations at t=0 without becoming idle"):
            self.run_loop(main())

    def test_many_iterations_below_the_limit_are_fine(self) -> None:
        async def main() -> None:
            for _ in range(3):
                self.loop.call_later(1, lambda: None)
            for _ in range(400):
                await asyncio.sleep(0)
            await self.loop.advance(1)

        self.run_loop(main())


class BadInputTest(ClockedLoopTest):
    def check(self, coro: Any, error: type[Exception], pattern: str) -> None:
        async def main() -> None:
            with self.assertRaisesRegex(error, pattern):
                await coro

        self.run_loop(main())

    def test_advance(self) -> None:
        self.check(self.loop.advance(-1), ValueError, r"advance\(-1\): time only moves forward")
        self.check(self.loop.advance(math.nan), ValueError, "finite number")
        self.check(self.loop.advance(math.inf), ValueError, "finite number")
        self.check(self.loop.advance("1"), TypeError, "number of seconds")  # type: ignore[arg-type]
        self.check(self.loop.advance(True), TypeError, "number of seconds")
        self.assertEqual(self.loop.time(), 0.0)

    def test_advance_beyond_the_largest_float(self) -> None:
        async def main() -> None:
            await self.loop.advance(1.5e308)
            with self.assertRaisesRegex(ValueError, "too large for a float"):
                await self.loop.advance(1e308)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 1.5e308)

    def test_advance_to(self) -> None:
        async def main() -> None:
            await self.loop.advance(5)
            with self.assertRaisesRegex(ValueError, r"advance_to\(4.5\) is in the past"):
                await self.loop.advance_to(4.5)
            with self.assertRaisesRegex(ValueError, "finite"):
                await self.loop.advance_to(math.nan)
            with self.assertRaisesRegex(ValueError, "finite"):
                await self.loop.advance_to(-math.inf)

        self.run_loop(main())
        self.assertEqual(self.loop.time(), 5.0)

    def test_awaited_on_another_loop(self) -> None:
        other = asyncio.new_event_loop()
        self.addCleanup(other.close)
        with self.assertRaisesRegex(RuntimeError, "must be awaited by a task running on this"):
            other.run_until_complete(self.loop.advance(1))

    def test_call_later_needs_a_delay(self) -> None:
        with self.assertRaisesRegex(TypeError, "delay must not be None"):
            self.loop.call_later(None, print)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "when cannot be None"):
            self.loop.call_at(None, print)  # type: ignore[arg-type]

    def test_a_due_time_that_is_not_a_number_is_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, r"call_at\(\) needs a due time that is a number"):
            self.loop.call_at(math.nan, print)
        with self.assertRaisesRegex(ValueError, r"call_later\(\) needs a delay that is a number"):
            self.loop.call_later(math.nan, print)
        self.assertEqual(self.loop.pending_timers(), [])

    def test_debug_mode_checks_callbacks(self) -> None:
        self.loop.set_debug(True)
        with self.assertRaisesRegex(TypeError, "coroutines cannot be used with call_at"):
            self.loop.call_later(1, sleepy)
        with self.assertRaisesRegex(TypeError, "callable object was expected"):
            self.loop.call_at(1, 42)  # type: ignore[arg-type]


class ClockableTest(unittest.TestCase):
    def test_a_plain_selector_loop_is_refused_with_a_way_out(self) -> None:
        loop = asyncio.SelectorEventLoop()
        self.addCleanup(loop.close)
        with self.assertRaises(TypeError) as caught:
            clock_of(loop)
        message = str(caught.exception)
        self.assertIn("needs an asynctoolkit.clock.ClockedEventLoop", message)
        self.assertIn("SelectorEventLoop: it reads the real clock", message)
        self.assertIn("asyncio.Runner(loop_factory=ClockedEventLoop)", message)

    def test_a_loop_that_is_not_a_selector_loop_is_refused(self) -> None:
        class NativeLoop(asyncio.AbstractEventLoop):
            pass

        with self.assertRaisesRegex(TypeError, "not a selector event loop.*uvloop"):
            ClockedEventLoop.check_clockable(NativeLoop())  # type: ignore[abstract]

    def test_uvloop_is_refused(self) -> None:
        try:
            import uvloop
        except ImportError:
            self.skipTest("uvloop is not installed")
        loop = uvloop.new_event_loop()
        self.addCleanup(loop.close)
        with self.assertRaisesRegex(TypeError, r"uvloop\.Loop: it is not a selector event loop"):
            clock_of(loop)

    def test_clock_of_needs_a_loop(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "clock_of"):
            clock_of()


if __name__ == "__main__":
    unittest.main()
