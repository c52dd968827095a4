"""``fail_on``, ``strict``, ``lenient`` and ``timeout``: which checks and limit a test gets."""

from __future__ import annotations

import asyncio
import contextlib
import time
import unittest
import warnings

import asynctoolkit
from asynctoolkit import fail_on, lenient, strict
from tests._inner import failure_text, passed, run_test


async def _forever() -> None:
    await asyncio.sleep(3600)


class DecoratorsTest(unittest.TestCase):
    def test_method_wins_over_class_and_subclasses_inherit(self) -> None:
        @fail_on(pending_tasks=False)
        class Base(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(_forever())

            @fail_on(pending_tasks=True)
            async def test_checked(self) -> None:
                asyncio.get_running_loop().create_task(_forever())

        class Child(Base):
            pass

        self.assertTrue(passed(run_test(Base, "test_leaks")))
        self.assertTrue(passed(run_test(Child, "test_leaks")))
        self.assertIn("pending_tasks", failure_text(run_test(Child, "test_checked")))

    def test_decorating_a_subclass_merges_with_the_parent(self) -> None:
        @fail_on(pending_tasks=False)
        class Base(asynctoolkit.TestCase):
            pass

        @fail_on(active_handles=True)
        class Child(Base):
            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                loop.create_task(_forever())
                loop.call_later(5, print)

        text = failure_text(run_test(Child, "test_it"))
        self.assertIn("active_handles", text)
        self.assertNotIn("pending_tasks", text)
        self.assertNotIn("active_handles", str(Base.__asynctoolkit_checks__))

    def test_settings_of_every_mixin_apply(self) -> None:
        @fail_on(pending_tasks=False)
        class AllowsBackgroundTasks:
            pass

        @fail_on(unawaited_coroutines=False)
        class AllowsDroppedCoroutines:
            pass

        async def work() -> None:
            pass

        class Inner(AllowsBackgroundTasks, AllowsDroppedCoroutines, asynctoolkit.TestCase):
            async def test_it(self) -> None:
                asyncio.get_running_loop().create_task(_forever())
                work()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the check is off: Python warns
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_strict_and_lenient(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @strict
            def test_strict(self) -> None:
                pass

            @lenient
            async def test_lenient(self) -> None:
                asyncio.get_running_loop().create_task(_forever())

        self.assertIn("unused_loop", failure_text(run_test(Inner, "test_strict")))
        self.assertTrue(passed(run_test(Inner, "test_lenient")))

    def test_unknown_check_is_a_type_error_at_decoration(self) -> None:
        with self.assertRaisesRegex(TypeError, "unknown check.*pending_task\\b.*known:"):
            fail_on(pending_task=True)
        with self.assertRaisesRegex(TypeError, "True or False"):
            fail_on(pending_tasks=1)  # type: ignore[arg-type]

    def test_ignore_loop_is_deprecated(self) -> None:
        with self.assertWarns(DeprecationWarning):

            @asynctoolkit.ignore_loop
            class Inner(asynctoolkit.TestCase):
                pass

        self.assertEqual(Inner.__asynctoolkit_checks__, {"unused_loop": False})


class SettingsCacheTest(unittest.TestCase):
    def test_a_test_reading_while_fail_on_decorates_caches_nothing_stale(self) -> None:
        # The settings of a class's tests are cached until a decorator stores
        # new ones; another thread's test may read them while fail_on
        # decorates: replayed here at the moment the cache is declared stale.
        from asynctoolkit.case import _decorators

        class Late(asynctoolkit.TestCase):
            __test__ = False

            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(asyncio.sleep(60))

        self.assertIn("pending_tasks", failure_text(run_test(Late, "test_leaks")))
        changed = _decorators.settings_changed

        def changed_then_read() -> None:
            changed()
            _decorators.settings_of(Late, "test_leaks")

        _decorators.settings_changed = changed_then_read
        try:
            fail_on(pending_tasks=False)(Late)
        finally:
            _decorators.settings_changed = changed
        self.assertTrue(passed(run_test(Late, "test_leaks")))


class TimeoutTest(unittest.TestCase):
    def test_a_hanging_test_fails_with_the_await_chains(self) -> None:
        async def stuck_inner() -> None:
            await asyncio.Event().wait()

        class Inner(asynctoolkit.TestCase):
            @asynctoolkit.timeout(0.2)
            async def test_hangs(self) -> None:
                await stuck_inner()

        result = run_test(Inner, "test_hangs")
        text = failure_text(result)
        self.assertEqual(len(result.failures), 1, text)
        self.assertIn("took longer than its limit of 0.2s", text)
        self.assertIn("in stuck_inner", text)
        self.assertIn("in test_hangs", text)

    def test_class_attribute_and_method_precedence(self) -> None:
        class Inner(asynctoolkit.TestCase):
            timeout = 0.2

            async def test_class_limit(self) -> None:
                await asyncio.sleep(5)

            @asynctoolkit.timeout(None)
            async def test_no_limit(self) -> None:
                await asyncio.sleep(0.3)

        self.assertIn("0.2s", failure_text(run_test(Inner, "test_class_limit")))
        self.assertTrue(passed(run_test(Inner, "test_no_limit")))

    def test_teardown_still_runs_after_a_timeout(self) -> None:
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            timeout = 0.2

            async def test_it(self) -> None:
                await asyncio.sleep(5)

            async def tearDown(self) -> None:
                await asyncio.sleep(0)
                events.append("tearDown")

        self.assertIn("0.2s", failure_text(run_test(Inner, "test_it")))
        self.assertEqual(events, ["tearDown"])

    def test_a_timed_out_test_leaves_nothing_armed(self) -> None:
        # The spent arming was never disarmed when nothing async ran after the
        # timeout: 10 s later the watchdog interrupted whatever ran then (a
        # later test), seen as a KeyboardInterrupt in CI.
        from asynctoolkit.case import _watchdog

        class Inner(asynctoolkit.TestCase):
            @asynctoolkit.timeout(0.1)
            async def test_hangs(self) -> None:
                await asyncio.Event().wait()

            @asynctoolkit.timeout(0.1)
            async def test_hangs_in_teardown_too(self) -> None:
                await asyncio.Event().wait()

            async def tearDown(self) -> None:
                if self._testMethodName.endswith("too"):
                    await asyncio.Event().wait()

        self.assertIn("limit of 0.1s", failure_text(run_test(Inner, "test_hangs")))
        self.assertIsNone(_watchdog._watchdog._token)
        text = failure_text(run_test(Inner, "test_hangs_in_teardown_too"))
        self.assertIn("limit of 0.1s", text)
        self.assertIn("further 0.1s", text)
        self.assertIsNone(_watchdog._watchdog._token)

    def test_a_leaked_task_that_ignores_cancellation_cannot_hang_the_suite(self) -> None:
        async def stubborn() -> None:
            while True:
                # The bug under test: it swallows cancellation.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(1)

        class Inner(asynctoolkit.TestCase):
            timeout = 0.3

            async def test_it(self) -> None:
                self.task = asyncio.get_running_loop().create_task(stubborn())
                await asyncio.sleep(0)

        inner = Inner("test_it")
        result = unittest.TestResult()
        start = time.monotonic()
        inner.run(result)
        self.assertLess(time.monotonic() - start, 30)
        self.assertIn("limit of 0.3s", failure_text(result))

    def test_bad_limits_are_refused(self) -> None:
        for bad in (0, -1, "5", True):
            with self.assertRaisesRegex(ValueError, "positive number of seconds"):
                asynctoolkit.timeout(bad)  # type: ignore[arg-type]


class CalledDecoratorsTest(unittest.TestCase):
    def test_strict_and_lenient_with_parentheses(self) -> None:
        """Before: ``@strict()`` raised TypeError (asynctest suites write it)."""

        @strict()
        class Strict(asynctoolkit.TestCase):
            def test_unused(self) -> None:
                pass

        @lenient()
        class Lenient(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(asyncio.sleep(1))

        self.assertIn("unused_loop", failure_text(run_test(Strict, "test_unused")))
        self.assertTrue(passed(run_test(Lenient, "test_leaks")))
