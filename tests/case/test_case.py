"""The TestCase lifecycle: loops, contexts, phases, cleanups and unittest semantics."""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import selectors
import socket
import unittest
import unittest.util
import warnings
from collections.abc import Callable
from typing import Any

import asynctoolkit
from asynctoolkit import case, clock, entry, helpers, mock, selector
from asynctoolkit._shared import asyncio_details
from tests._inner import failure_text, passed, run_test

PUBLIC_MODULES = [case, clock, entry, helpers, mock, selector]

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


class ReExportTest(unittest.TestCase):
    def test_top_level_names_are_the_module_names(self) -> None:
        # ``rpc`` is reached by attribute or import but is not in ``__all__``, so
        # that a star import needs no grpcio: tests/test_star_import.py.
        for module in PUBLIC_MODULES:
            self.assertIn(module.__name__.split(".")[1], asynctoolkit.__all__)
            for name in module.__all__:
                self.assertIs(getattr(asynctoolkit, name), getattr(module, name), name)
                self.assertIn(name, asynctoolkit.__all__)

    def test_import_does_not_import_grpc(self) -> None:
        import subprocess
        import sys

        code = "import sys, asynctoolkit; print('grpc' in sys.modules)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        self.assertEqual(out.stdout.strip(), "False", out.stderr)


class LoopIsolationTest(unittest.TestCase):
    def test_each_test_gets_a_fresh_loop_closed_after(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Inner(asynctoolkit.TestCase):
            async def test_a(self) -> None:
                loops.append(asyncio.get_running_loop())
                self.assertIs(asyncio.get_running_loop(), self.loop)

            def test_b(self) -> None:
                loops.append(self.loop)
                self.assertIs(asyncio.get_event_loop(), self.loop)

        self.assertTrue(passed(run_test(Inner, "test_a")))
        self.assertTrue(passed(run_test(Inner, "test_b")))
        self.assertIsNot(loops[0], loops[1])
        self.assertTrue(all(loop.is_closed() for loop in loops))

    def test_the_loop_set_outside_is_restored(self) -> None:
        outer = asyncio.new_event_loop()
        self.addCleanup(outer.close)
        asyncio.set_event_loop(outer)
        self.addCleanup(asyncio.set_event_loop, None)

        class Inner(asynctoolkit.TestCase):
            def test_it(self) -> None:
                self.assertIs(asyncio.get_event_loop(), self.loop)
                self.assertIsNot(self.loop, outer)

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertIs(asyncio.get_event_loop(), outer)
        self.assertFalse(outer.is_closed())

    def test_loop_attribute_is_cleared_after_the_test(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                pass

        inner = Inner("test_it")
        inner.run(unittest.TestResult())
        self.assertIsNone(inner.loop)

    def test_loop_factory_is_used(self) -> None:
        class MyLoop(asyncio.SelectorEventLoop):
            pass

        class Inner(asynctoolkit.TestCase):
            loop_factory = MyLoop

            async def test_it(self) -> None:
                self.assertIsInstance(asyncio.get_running_loop(), MyLoop)

        self.assertTrue(passed(run_test(Inner, "test_it")))

    def test_loop_without_selector_skips_the_selector_check_with_a_warning(self) -> None:
        try:
            import uvloop
        except ImportError:
            self.skipTest("uvloop is not installed")

        class Inner(asynctoolkit.TestCase):
            loop_factory = uvloop.new_event_loop

            async def test_it(self) -> None:
                await asyncio.sleep(0)

        with self.assertWarnsRegex(RuntimeWarning, "active_selector_callbacks.*skipped"):
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))


class SelectorReuseTest(unittest.TestCase):
    """A closed test loop hands its empty real selector to the next test's loop."""

    def run_tests(self, *tests: str, body: Callable[[Any], None] | None = None) -> list[Any]:
        """Run ``tests``; each one's (TestSelector, real selector it wraps) during the test."""
        seen: list[Any] = []

        class Inner(asynctoolkit.TestCase):
            async def test_a(self) -> None:
                wrapper = asyncio_details.loop_selector(self.loop)
                assert isinstance(wrapper, selector.TestSelector)
                seen.append((wrapper, wrapper.selector))
                if body is not None:
                    body(wrapper.selector)

            test_b = test_a

        for name in tests:
            self.assertTrue(passed(run_test(Inner, name)))
        return seen

    def test_the_next_loop_reuses_the_real_selector(self) -> None:
        (first, real_a), (second, real_b) = self.run_tests("test_a", "test_b")
        self.assertIsNot(first, second)
        self.assertIs(real_a, real_b)
        # The closed wrapper let go of it, and stays closed.
        self.assertIsNone(first.selector)
        with self.assertRaisesRegex(ValueError, "closed"):
            first.select(0)

    def test_a_selector_left_with_registrations_is_closed_not_reused(self) -> None:
        sock_a, sock_b = socket.socketpair()
        self.addCleanup(sock_a.close)
        self.addCleanup(sock_b.close)

        def register_behind_the_loops_back(real: selectors.BaseSelector) -> None:
            real.register(sock_a, selectors.EVENT_READ)

        ((_, real_a),) = self.run_tests("test_a", body=register_behind_the_loops_back)
        ((_, real_b),) = self.run_tests("test_b")
        self.assertIsNot(real_b, real_a)
        with self.assertRaises(RuntimeError):  # "Selector is closed"
            real_a.get_key(sock_a)

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_forked_child_does_not_reuse_the_parents_selector(self) -> None:
        ((_, real_a),) = self.run_tests("test_a")
        read_end, write_end = os.pipe()
        self.addCleanup(os.close, read_end)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:  # the child: report whether its next test loop got the parent's selector
            try:
                ((_, real_b),) = self.run_tests("test_b")
                os.write(write_end, b"shared" if real_b is real_a else b"own")
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        self.assertEqual(os.read(read_end, 16), b"own")
        ((_, real_c),) = self.run_tests("test_b")
        self.assertIs(real_c, real_a)  # the parent still reuses it


class ContextTest(unittest.TestCase):
    def test_a_context_var_set_in_async_setup_is_seen_everywhere(self) -> None:
        seen: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def setUp(self) -> None:
                var.set("from setUp")

            async def test_it(self) -> None:
                seen.append(var.get())
                var.set("from test")
                self.addCleanup(self.cleanup)

            def tearDown(self) -> None:
                seen.append(var.get())

            async def cleanup(self) -> None:
                seen.append(var.get())

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(seen, ["from setUp", "from test", "from test"])
        self.assertEqual(var.get(), "unset")

    def test_stdlib_async_names_share_the_context(self) -> None:
        seen: list[str] = []

        class Inner(asynctoolkit.TestCase):
            def setUp(self) -> None:
                var.set("sync setUp")

            async def asyncSetUp(self) -> None:
                seen.append(var.get())
                var.set("asyncSetUp")

            def test_it(self) -> None:
                seen.append(var.get())

            async def asyncTearDown(self) -> None:
                seen.append(var.get())

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(seen, ["sync setUp", "asyncSetUp", "asyncSetUp"])


class PhaseOrderTest(unittest.TestCase):
    def test_order_of_phases_and_cleanups(self) -> None:
        events: list[str] = []

        class CM:
            async def __aenter__(self) -> str:
                events.append("enter")
                return "value"

            async def __aexit__(self, *exc: object) -> None:
                events.append("exit")

        class Inner(asynctoolkit.TestCase):
            def setUp(self) -> None:
                events.append("setUp")
                self.addCleanup(events.append, "sync cleanup")

            async def asyncSetUp(self) -> None:
                events.append("asyncSetUp")
                self.addAsyncCleanup(self.acleanup, "async cleanup")
                self.assertEqual(await self.enterAsyncContext(CM()), "value")

            async def acleanup(self, what: str) -> None:
                await asyncio.sleep(0)
                events.append(what)

            async def test_it(self) -> None:
                events.append("test")

            async def asyncTearDown(self) -> None:
                events.append("asyncTearDown")

            def tearDown(self) -> None:
                events.append("tearDown")

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(
            events,
            [
                "setUp",
                "asyncSetUp",
                "enter",
                "test",
                "asyncTearDown",
                "tearDown",
                "exit",
                "async cleanup",
                "sync cleanup",
            ],
        )

    def test_enter_async_context_rejects_a_plain_object(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                await self.enterAsyncContext(object())

        result = run_test(Inner, "test_it")
        self.assertIn("asynchronous context manager protocol", failure_text(result))

    def test_test_method_returning_an_awaitable_is_awaited(self) -> None:
        done: list[bool] = []

        class Inner(asynctoolkit.TestCase):
            def test_it(self) -> Any:
                fut = self.loop.create_future()
                self.loop.call_soon(fut.set_result, None)
                fut.add_done_callback(lambda _: done.append(True))
                return fut

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(done, [True])

    def test_failing_setup_skips_test_and_teardown_but_runs_cleanups(self) -> None:
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def setUp(self) -> None:
                self.addCleanup(events.append, "cleanup")
                raise RuntimeError("setUp broke")

            async def test_it(self) -> None:
                events.append("test")

            async def tearDown(self) -> None:
                events.append("tearDown")

        result = run_test(Inner, "test_it")
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setUp broke", failure_text(result))
        self.assertEqual(events, ["cleanup"])

    def test_do_cleanups_inside_the_test_keeps_the_checks_for_the_end(self) -> None:
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.addCleanup(events.append, "first")
                self.doCleanups()
                events.append("after doCleanups")
                asyncio.get_running_loop().create_task(asyncio.sleep(1))

        result = run_test(Inner, "test_it")
        self.assertEqual(events, ["first", "after doCleanups"])
        self.assertIn("pending_tasks", failure_text(result))

    def test_a_failing_cleanup_fails_the_test_and_later_cleanups_run(self) -> None:
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.addCleanup(events.append, "earlier")
                self.addCleanup(self.broken)

            async def broken(self) -> None:
                raise ValueError("cleanup broke")

        result = run_test(Inner, "test_it")
        self.assertIn("cleanup broke", failure_text(result))
        self.assertEqual(events, ["earlier"])


class UnittestSemanticsTest(unittest.TestCase):
    def test_skip_expected_failure_and_subtests(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @unittest.skip("not today")
            async def test_skipped(self) -> None:
                raise AssertionError("must not run")

            async def test_skip_inside(self) -> None:
                self.skipTest("inside")

            @unittest.expectedFailure
            async def test_expected(self) -> None:
                self.fail("expected")

            async def test_subtests(self) -> None:
                for i in range(3):
                    with self.subTest(i=i):
                        await asyncio.sleep(0)
                        self.assertNotEqual(i, 1)

        self.assertEqual(len(run_test(Inner, "test_skipped").skipped), 1)
        self.assertEqual(len(run_test(Inner, "test_skip_inside").skipped), 1)
        self.assertEqual(len(run_test(Inner, "test_expected").expectedFailures), 1)
        result = run_test(Inner, "test_subtests")
        self.assertEqual(len(result.failures), 1)
        self.assertIn("i=1", str(result.failures[0][0]))

    def test_debug_raises_and_closes_the_loop(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Inner(asynctoolkit.TestCase):
            async def test_fails(self) -> None:
                loops.append(self.loop)
                raise KeyError("boom")

            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(asyncio.sleep(1))

        failing = Inner("test_fails")
        with self.assertRaises(KeyError):
            failing.debug()
        # unittest's contract: the caller runs the cleanups of a failed debug().
        self.assertFalse(loops[0].is_closed())
        failing.doCleanups()
        self.assertTrue(loops[0].is_closed())
        with self.assertRaisesRegex(AssertionError, "pending_tasks"):
            Inner("test_leaks").debug()

    def test_debug_raises_what_a_cleanup_raises(self) -> None:
        order: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.addCleanup(order.append, "second cleanup")
                self.addCleanup(self.fail_in_cleanup)

            def fail_in_cleanup(self) -> None:
                order.append("first cleanup")
                raise KeyError("from a cleanup")

        test = Inner("test_it")
        with self.assertRaisesRegex(KeyError, "from a cleanup"):
            test.debug()
        self.assertEqual(order, ["first cleanup"])
        # As unittest documents: after a failed debug(), doCleanups() ends the
        # test (its loop, and what its checks set up for it, such as the
        # coroutine origin tracking of unawaited_coroutines, stayed on until then).
        test.doCleanups()
        self.assertEqual(order, ["first cleanup", "second cleanup"])

    def test_function_test_case_with_coroutines(self) -> None:
        events: list[str] = []

        async def set_up() -> None:
            var.set("set")

        async def test() -> None:
            events.append(var.get())
            await asyncio.sleep(0)

        result = unittest.TestResult()
        asynctoolkit.FunctionTestCase(test, setUp=set_up).run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))
        self.assertEqual(events, ["set"])

        async def leaky() -> None:
            asyncio.get_running_loop().create_task(asyncio.sleep(1))

        result = unittest.TestResult()
        asynctoolkit.FunctionTestCase(leaky).run(result)
        self.assertIn("pending_tasks", failure_text(result))

    def test_function_test_case_is_named_by_its_public_path(self) -> None:
        # What a verbose run prints and a failure's heading, as unittest's.
        async def check_it() -> None:
            pass

        test = asynctoolkit.FunctionTestCase(check_it)
        self.assertEqual(str(test), "asynctoolkit.case.FunctionTestCase (check_it)")
        self.assertEqual(repr(test), f"<asynctoolkit.case.FunctionTestCase tec={check_it!r}>")

        class Mine(asynctoolkit.FunctionTestCase):
            pass

        self.assertEqual(str(Mine(check_it)), f"{unittest.util.strclass(Mine)} (check_it)")

    def test_returning_a_value_warns(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> int:
                return 1

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run_test(Inner, "test_it")
        self.assertTrue(any("not None" in str(w.message) for w in caught))


class SharedLoopTest(unittest.TestCase):
    def setUp(self) -> None:
        # No current loop to adopt: on Python 3.10 a synchronous
        # get_event_loop() in an earlier test may have left one behind.
        asyncio.set_event_loop(None)

    def test_tests_share_one_loop_with_async_class_setup(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []
        events: list[str] = []

        class Inner(asynctoolkit.TestCase):
            use_default_loop = True

            @classmethod
            async def asyncSetUpClass(cls) -> None:
                events.append("asyncSetUpClass")
                cls.background = asyncio.get_running_loop().create_task(asyncio.sleep(3600))

            @classmethod
            async def asyncTearDownClass(cls) -> None:
                cls.background.cancel()
                events.append("asyncTearDownClass")

            async def test_a(self) -> None:
                loops.append(asyncio.get_running_loop())

            async def test_b(self) -> None:
                loops.append(asyncio.get_running_loop())

        suite = unittest.TestSuite([Inner("test_a"), Inner("test_b")])
        result = unittest.TestResult()
        suite.run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))
        self.assertIs(loops[0], loops[1])
        self.assertTrue(loops[0].is_closed())
        self.assertEqual(events, ["asyncSetUpClass", "asyncTearDownClass"])

    def test_a_loop_set_by_the_user_is_shared_and_left_open(self) -> None:
        outer = asyncio.new_event_loop()
        self.addCleanup(outer.close)
        asyncio.set_event_loop(outer)
        self.addCleanup(asyncio.set_event_loop, None)

        class Inner(asynctoolkit.TestCase):
            use_default_loop = True

            async def test_it(self) -> None:
                self.assertIs(asyncio.get_running_loop(), outer)

        suite = unittest.TestSuite([Inner("test_it")])
        result = unittest.TestResult()
        suite.run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))
        self.assertFalse(outer.is_closed())

    def test_async_class_setup_without_shared_loop_is_refused(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @classmethod
            async def asyncSetUpClass(cls) -> None:
                pass

            def test_it(self) -> None:
                pass

        with self.assertRaisesRegex(TypeError, "use_default_loop = True"):
            Inner.setUpClass()


class ForbidGetEventLoopTest(unittest.TestCase):
    def test_sync_get_event_loop_fails_clearly_and_async_works(self) -> None:
        original = asyncio.get_event_loop

        class Inner(asynctoolkit.TestCase):
            forbid_get_event_loop = True

            def test_sync(self) -> None:
                asyncio.get_event_loop()

            async def test_async(self) -> None:
                self.assertIs(asyncio.get_event_loop(), asyncio.get_running_loop())

        result = run_test(Inner, "test_sync")
        self.assertIn("forbid_get_event_loop = True", failure_text(result))
        self.assertTrue(passed(run_test(Inner, "test_async")))
        self.assertIs(asyncio.get_event_loop, original)
        self.assertIs(asyncio.events.get_event_loop, original)


class AsyncAssertionsTest(asynctoolkit.TestCase):
    async def test_assert_async_raises(self) -> None:
        async def boom() -> None:
            raise ValueError("bad value 42")

        context = await self.assertAsyncRaises(ValueError, boom())
        self.assertEqual(str(context.exception), "bad value 42")
        await self.assertAsyncRaisesRegex(ValueError, r"value \d+", boom())
        with self.assertRaises(AssertionError):
            await self.assertAsyncRaises(KeyError, asyncio.sleep(0))
        with self.assertRaises(AssertionError):
            await self.assertAsyncRaisesRegex(ValueError, "other", boom())

    async def _check_a_worker_survives(self, catch: Callable[[asyncio.Future[None]], Any]) -> None:
        """A worker fails futures with exceptions raised in its own frame.

        Each exception's traceback runs through the worker's suspended
        coroutine: clearing those frames (as unittest's assertRaises does)
        closes it on Python 3.10-3.12, and the worker dies on its next step.
        ``catch(future)`` must assert the ValueError and return the exception.
        """
        failures: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

        async def worker() -> str:
            for _ in range(2):
                future = await failures.get()
                try:
                    raise ValueError("from the worker")
                except ValueError as exc:
                    future.set_exception(exc)
                await asyncio.sleep(0)
            return "worker finished"

        task = asyncio.get_running_loop().create_task(worker())
        for _ in range(2):
            future = asyncio.get_running_loop().create_future()
            failures.put_nowait(future)
            self.assertEqual(str(await catch(future)), "from the worker")
        self.assertEqual(await task, "worker finished")

    async def test_assert_async_raises_leaves_other_tasks_frames_alone(self) -> None:
        async def catch(future: asyncio.Future[None]) -> BaseException:
            return (await self.assertAsyncRaises(ValueError, future)).exception

        await self._check_a_worker_survives(catch)

    async def test_assert_raises_leaves_other_tasks_frames_alone(self) -> None:
        async def catch(future: asyncio.Future[None]) -> BaseException:
            with self.assertRaisesRegex(ValueError, "worker") as caught:
                await future
            return caught.exception

        await self._check_a_worker_survives(catch)

    def test_assert_raises_keeps_unittest_semantics(self) -> None:
        with self.assertRaises(KeyError) as caught:
            {}["missing"]
        self.assertIsInstance(caught.exception, KeyError)
        self.assertIsNone(self.assertRaises(KeyError, {}.__getitem__, "missing"))
        with self.assertRaisesRegex(AssertionError, "^KeyError not raised : custom$"):
            with self.assertRaises(KeyError, msg="custom"):
                pass
        with self.assertRaisesRegex(AssertionError, "KeyError, IndexError not raised"):
            with self.assertRaises((KeyError, IndexError)):
                pass
        with self.assertRaisesRegex(AssertionError, re.escape('"^x" does not match "y"')):
            with self.assertRaisesRegex(ValueError, "^x"):
                raise ValueError("y")
        with self.assertRaises(ZeroDivisionError):  # another type propagates
            with self.assertRaises(KeyError):
                1 / 0
        with self.assertRaisesRegex(TypeError, "must be an exception type"):
            self.assertRaises(int)
        with self.assertRaisesRegex(TypeError, "invalid keyword"):
            self.assertRaises(KeyError, bogus=1)

    async def test_assert_async_raises_messages(self) -> None:
        with self.assertRaisesRegex(
            AssertionError, "KeyError or IndexError not raised by coroutine sleep"
        ):
            await self.assertAsyncRaises((KeyError, IndexError), asyncio.sleep(0))

    async def test_assert_async_warns(self) -> None:
        async def warn() -> None:
            warnings.warn("careful now", UserWarning, stacklevel=1)

        await self.assertAsyncWarns(UserWarning, warn())
        await self.assertAsyncWarnsRegex(UserWarning, "careful", warn())
        with self.assertRaises(AssertionError):
            await self.assertAsyncWarns(UserWarning, asyncio.sleep(0))


class ResultInspectionTest(asynctoolkit.TestCase):
    def test_success_result_of(self) -> None:
        fut = self.loop.create_future()
        fut.set_result(3)
        self.assertEqual(self.successResultOf(fut), 3)

        async def quick() -> int:
            return 4

        self.assertEqual(self.successResultOf(quick()), 4)
        pending = self.loop.create_future()
        with self.assertRaisesRegex(AssertionError, "still pending"):
            self.successResultOf(pending)
        failed = self.loop.create_future()
        failed.set_exception(KeyError("k"))
        with self.assertRaisesRegex(AssertionError, "failed instead of succeeding: KeyError"):
            self.successResultOf(failed)
        with self.assertRaisesRegex(TypeError, "future, a task or a coroutine"):
            self.successResultOf(42)

    def test_failure_result_of(self) -> None:
        failed = self.loop.create_future()
        failed.set_exception(KeyError("k"))
        self.assertIsInstance(self.failureResultOf(failed, KeyError), KeyError)
        with self.assertRaisesRegex(AssertionError, "expected one of: ValueError"):
            self.failureResultOf(failed, ValueError)
        done = self.loop.create_future()
        done.set_result(1)
        with self.assertRaisesRegex(AssertionError, "succeeded with 1"):
            self.failureResultOf(done)
        cancelled = self.loop.create_future()
        cancelled.cancel()
        self.assertIsInstance(self.failureResultOf(cancelled), asyncio.CancelledError)

    async def test_assert_no_result(self) -> None:
        pending = self.loop.create_future()
        self.assertNoResult(pending)
        task = asyncio.get_running_loop().create_task(asyncio.sleep(0, "x"))
        self.assertNoResult(task)
        await task
        with self.assertRaisesRegex(AssertionError, "already has a result: 'x'"):
            self.assertNoResult(task)

        async def suspends() -> None:
            await asyncio.sleep(1)

        self.assertNoResult(suspends())


class ExhaustCallbacksTest(asynctoolkit.TestCase):
    async def test_runs_callbacks_scheduled_by_callbacks_but_not_timers(self) -> None:
        events: list[str] = []
        loop = asyncio.get_running_loop()
        loop.call_soon(lambda: loop.call_soon(events.append, "second"))
        timer = loop.call_later(10, events.append, "timer")
        self.addCleanup(timer.cancel)
        await asynctoolkit.exhaust_callbacks(loop)
        self.assertEqual(events, ["second"])

    async def test_a_self_rearming_callback_is_reported(self) -> None:
        loop = asyncio.get_running_loop()
        handles: list[asyncio.Handle] = []

        def rearm() -> None:
            handles.append(loop.call_soon(rearm))

        loop.call_soon(rearm)
        with self.assertRaisesRegex(RuntimeError, "re-scheduling itself"):
            await asynctoolkit.exhaust_callbacks(loop)
        handles[-1].cancel()

    async def test_another_loop_is_refused(self) -> None:
        other = asyncio.new_event_loop()
        self.addCleanup(other.close)
        with self.assertRaisesRegex(ValueError, "must be awaited on that loop"):
            await asynctoolkit.exhaust_callbacks(other)


if __name__ == "__main__":
    unittest.main()
