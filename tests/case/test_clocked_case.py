"""ClockedTestCase: the TestCase on virtual time, and run(clock=True)."""

from __future__ import annotations

import asyncio
import time
import unittest

import asynctoolkit
from asynctoolkit.clock import ClockedEventLoop
from tests._inner import failure_text, passed, run_test


class AdvanceTest(asynctoolkit.ClockedTestCase):
    async def test_time_starts_at_zero_on_a_clocked_loop(self) -> None:
        self.assertIsInstance(self.loop, ClockedEventLoop)
        self.assertEqual(self.loop.time(), 0)

    async def test_callbacks_run_on_time_during_advance(self) -> None:
        seen: list[float] = []

        def record() -> None:
            seen.append(self.loop.time())

        self.loop.call_later(1, record)
        self.loop.call_later(2, self.loop.call_later, 1, record)
        await self.advance(3)
        self.assertEqual(seen, [1, 3])
        self.assertEqual(self.loop.time(), 3)

    async def test_sleeps_complete_inside_advance_and_advance_to(self) -> None:
        async def sleeper() -> float:
            await asyncio.sleep(1)
            await asyncio.sleep(1)
            return asyncio.get_running_loop().time()

        task = self.loop.create_task(sleeper())
        await self.advance(2)
        self.assertEqual(self.successResultOf(task), 2)
        await self.advance_to(10)
        self.assertEqual(self.loop.time(), 10)
        with self.assertRaises(ValueError):
            await self.advance(-1)

    async def test_run_until_idle_keeps_time(self) -> None:
        events: list[str] = []

        async def chatty() -> None:
            for i in range(3):
                events.append(str(i))
                await asyncio.sleep(0)

        task = self.loop.create_task(chatty())
        await self.run_until_idle()
        self.assertEqual(events, ["0", "1", "2"])
        self.assertTrue(task.done())
        self.assertEqual(self.loop.time(), 0)


class AutojumpTest(asynctoolkit.ClockedTestCase):
    autojump = True

    async def test_a_year_of_sleep_takes_no_real_time(self) -> None:
        start = time.monotonic()
        await asyncio.sleep(86400 * 365)
        self.assertEqual(self.loop.time(), 86400 * 365)
        self.assertLess(time.monotonic() - start, 5)  # generous bound; it takes milliseconds


class PatchTimeTest(asynctoolkit.ClockedTestCase):
    patch_time = True

    async def test_time_module_follows_the_clock(self) -> None:
        before = time.monotonic()
        await self.advance(3600)
        self.assertAlmostEqual(time.monotonic() - before, 3600, places=3)


class ChecksOnClockedTest(unittest.TestCase):
    def test_checks_still_apply(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            async def test_leaks(self) -> None:
                self.loop.create_task(asyncio.sleep(10), name="sleepy")

            @asynctoolkit.fail_on(active_handles=True)
            async def test_timer_left(self) -> None:
                self.loop.call_later(5, print)

        self.assertIn("'sleepy'", failure_text(run_test(Inner, "test_leaks")))
        self.assertIn("at t=5", failure_text(run_test(Inner, "test_timer_left")))

    def test_patch_time_is_undone_after_the_test(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            patch_time = True

            async def test_it(self) -> None:
                await self.advance(10)

        real = time.monotonic
        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertIs(time.monotonic, real)

    def test_a_test_blocked_on_a_timer_fails_instead_of_hanging(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            async def test_forgot_to_advance(self) -> None:
                await asyncio.sleep(5)

        result = run_test(Inner, "test_forgot_to_advance")
        text = failure_text(result)
        self.assertIn("advance", text)
        self.assertIn("test_forgot_to_advance", text)
        self.assertNotIn("pending_tasks", text)  # the test's own task is not a leak
        self.assertEqual(len(result.errors) + len(result.failures), 1, text)

    def test_a_deadlock_fails_naming_the_blocked_task(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            autojump = True

            async def test_waits_forever(self) -> None:
                await asyncio.Event().wait()

        result = run_test(Inner, "test_waits_forever")
        text = failure_text(result)
        self.assertIn("test_waits_forever", text)
        self.assertEqual(len(result.errors) + len(result.failures), 1, text)

    def test_a_failure_while_closing_the_loop_fails_that_test_only(self) -> None:
        # Executor work outliving real_timeout made closing the clocked loop
        # raise out of TestCase.run, which stopped the whole suite.
        class Inner(asynctoolkit.ClockedTestCase):
            autojump = True

            async def test_a_slow_job(self) -> None:
                self.loop.real_timeout = 0.1
                await asyncio.wait_for(self.loop.run_in_executor(None, time.sleep, 0.5), 10)

            async def test_b_after(self) -> None:
                pass

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Inner).run(result)
        self.assertEqual(result.testsRun, 2)
        failed = {test.id() for test, _ in [*result.failures, *result.errors]}
        self.assertEqual([name.rsplit(".", 1)[1] for name in failed], ["test_a_slow_job"])
        self.assertIn("real_timeout", failure_text(result))

    def test_a_timeout_under_patch_time_fails_cleanly(self) -> None:
        # The watchdog read the patched time.monotonic() (virtual time) when
        # it re-armed for tearDown, saw the limit long past and interrupted
        # the whole run with KeyboardInterrupt (found by a review).
        class Inner(asynctoolkit.ClockedTestCase):
            patch_time = True
            timeout = 0.2

            async def test_slow(self) -> None:
                await asyncio.to_thread(time.sleep, 0.4)

            async def asyncTearDown(self) -> None:
                await asyncio.to_thread(time.sleep, 0.05)

        real = time.monotonic
        result = run_test(Inner, "test_slow")
        self.assertIn("limit of 0.2s", failure_text(result))
        self.assertIs(time.monotonic, real)

    def test_a_loop_factory_that_cannot_be_clocked_is_refused(self) -> None:
        class Inner(asynctoolkit.ClockedTestCase):
            loop_factory = asyncio.SelectorEventLoop

            async def test_it(self) -> None:
                pass

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("cannot run on virtual time", text)


class RunOnClockTest(unittest.TestCase):
    def test_run_with_clock_and_autojump(self) -> None:
        async def main() -> float:
            await asyncio.sleep(3600)
            return asyncio.get_running_loop().time()

        self.assertEqual(asynctoolkit.run(main(), clock=True, autojump=True), 3600)

    def test_run_with_a_manual_clock(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            assert isinstance(loop, ClockedEventLoop)
            await loop.advance(5)
            return loop.time()

        self.assertEqual(asynctoolkit.run(main(), clock=True), 5)


if __name__ == "__main__":
    unittest.main()
