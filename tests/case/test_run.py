"""The life of one test (``TestRun``) as users see it through TestCase.

Each test here failed before the run object existed (see each docstring).
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import unittest
import weakref

import asynctoolkit
from tests._inner import failure_text, passed, run_test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class DebugThenDoCleanupsTest(unittest.TestCase):
    def test_a_failed_debug_leaves_the_cleanups_to_do_cleanups_async_ones_included(self) -> None:
        """Before: debug() closed the loop, so each async cleanup failed inside, silently."""
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def asyncSetUp(self) -> None:
                self.addAsyncCleanup(self.cleanup, "async")
                self.addCleanup(events.append, "sync")

            async def cleanup(self, what: str) -> None:
                await asyncio.sleep(0)
                events.append(what)

            async def test_fails(self) -> None:
                raise KeyError("boom")

        test = Inner("test_fails")
        with self.assertRaises(KeyError):
            test.debug()
        self.assertEqual(events, [])
        self.assertTrue(test.doCleanups())
        self.assertEqual(events, ["sync", "async"])
        self.assertIsNone(test.loop)

    def test_a_failed_debug_leaves_no_time_limit_behind(self) -> None:
        """Before: the test's limit stayed armed after a failed debug(), and the
        watchdog interrupted whatever the caller ran next (a KeyboardInterrupt
        about a second after the limit)."""
        script = textwrap.dedent(
            """
            import time
            import asynctoolkit

            class T(asynctoolkit.TestCase):
                timeout = 0.2

                async def test_fails(self):
                    raise AssertionError("boom")

            test = T("test_fails")
            try:
                test.debug()
            except AssertionError:
                pass
            time.sleep(2.5)  # past the limit, the interrupt and a last resort of 2 s
            print("not interrupted")
            test.doCleanups()
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONPATH": ROOT, "ASYNCTOOLKIT_LAST_RESORT_SECONDS": "2"},
            capture_output=True,
            text=True,
            timeout=60,  # a bound, not a measure
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("not interrupted", done.stdout)
        self.assertNotIn("is still running", done.stderr)

    def test_a_failed_debug_never_cleaned_up_ends_when_the_test_is_collected(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Inner(asynctoolkit.TestCase):
            async def test_fails(self) -> None:
                loops.append(self.loop)
                raise KeyError("boom")

        test = Inner("test_fails")
        with self.assertRaises(KeyError):
            test.debug()
        del test
        gc.collect()
        self.assertTrue(loops[0].is_closed())

    def test_do_cleanups_outside_a_test_refuses_an_async_cleanup_clearly(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                pass

        async def cleanup() -> None:
            pass

        test = Inner("test_it")
        test.addCleanup(cleanup)
        with self.assertRaisesRegex(RuntimeError, "needs the test's loop"):
            test._callCleanup(cleanup)


class DoCleanupsInCoroutineTest(unittest.TestCase):
    def test_await_do_cleanups_runs_async_cleanups_in_order(self) -> None:
        """Before: doCleanups() inside an async test raised for an async cleanup."""
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.addCleanup(events.append, "first added")
                self.addAsyncCleanup(self.later, "async")
                self.addCleanup(events.append, "last added")
                outcome = self.doCleanups()
                events.append("returned")
                self.assertTrue(await outcome)
                events.append("awaited")

            async def later(self, what: str) -> None:
                await asyncio.sleep(0)
                events.append(what)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(events, ["last added", "returned", "async", "first added", "awaited"])

    def test_an_async_cleanup_never_awaited_is_reported(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.addAsyncCleanup(asyncio.sleep, 0)
                self.doCleanups()

        result = run_test(Inner, "test_it")
        self.assertIn("unawaited_coroutines", failure_text(result))


class ClockedSharedLoopTest(unittest.TestCase):
    def test_clocked_use_default_loop_makes_its_own_clocked_loop(self) -> None:
        """Before: it adopted the current plain loop; advance() raised AttributeError."""
        seen: list[float] = []

        class Inner(asynctoolkit.ClockedTestCase):
            use_default_loop = True

            async def test_it(self) -> None:
                self.assertIs(asyncio.get_event_loop(), self.loop)
                await self.advance(5)
                seen.append(self.loop.time())

        plain = asyncio.new_event_loop()
        self.addCleanup(plain.close)
        asyncio.set_event_loop(plain)
        self.addCleanup(asyncio.set_event_loop, None)
        suite = unittest.TestSuite([Inner("test_it")])
        result = unittest.TestResult()
        suite.run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))
        self.assertEqual(seen, [5.0])
        self.assertIs(asyncio.get_event_loop(), plain)


class NestedRunTest(unittest.TestCase):
    def test_an_inner_test_does_not_stop_the_outer_tests_recording(self) -> None:
        """Before: the inner test reset the module-level task recording."""

        class InnerMost(asynctoolkit.TestCase):
            async def test_ok(self) -> None:
                await asyncio.sleep(0)

        class Outer(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                inner = unittest.TestResult()
                await asyncio.get_running_loop().run_in_executor(
                    None, lambda: InnerMost("test_ok").run(inner)
                )
                self.assertTrue(inner.wasSuccessful())

                async def fail() -> None:
                    raise ValueError("never retrieved")

                # Kept alive: only the recording can report it before it is collected.
                self.task = asyncio.get_running_loop().create_task(fail())
                await asyncio.sleep(0)

        result = run_test(Outer, "test_it")
        self.assertIn("never retrieved", failure_text(result))
        self.assertIn("unhandled_exceptions", failure_text(result))

    def test_an_inner_test_in_the_same_thread_keeps_the_outer_collector(self) -> None:
        class InnerMost(asynctoolkit.TestCase):
            def test_ok(self) -> None:
                pass

        class Outer(asynctoolkit.TestCase):
            def test_it(self) -> None:
                self.assertTrue(run_test(InnerMost, "test_ok").wasSuccessful())
                # Never awaited, and kept alive: only the collector can report it.
                self.coro = asynctoolkit.CoroutineMock()()

        result = run_test(Outer, "test_it")
        self.assertIn("unawaited_coroutines", failure_text(result))


class ConfigurationTest(unittest.TestCase):
    def test_a_change_to_a_class_applies_to_its_next_test(self) -> None:
        """Before: the per-class cache kept the settings of the class's first test."""

        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(asyncio.sleep(1))

        self.assertFalse(passed(run_test(Inner, "test_leaks")))
        asynctoolkit.fail_on(pending_tasks=False)(Inner)
        self.assertTrue(passed(run_test(Inner, "test_leaks")))

    def test_running_a_class_does_not_keep_it_alive(self) -> None:
        """Before: the per-class cache held every TestCase class run, generated ones too."""

        def make() -> weakref.ref[type]:
            class Generated(asynctoolkit.TestCase):
                async def test_it(self) -> None:
                    pass

            self.assertTrue(passed(run_test(Generated, "test_it")))
            return weakref.ref(Generated)

        ref = make()
        gc.collect()
        self.assertIsNone(ref())
