"""The checks run after each test: each one failing a buggy test, passing a correct one."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import time
import unittest
import warnings

import asynctoolkit
from asynctoolkit import fail_on, lenient, strict
from tests._inner import failure_text, passed, run_test


async def _forever() -> None:
    await asyncio.sleep(3600)


async def _nap() -> None:
    await asyncio.sleep(0)


class PendingTasksTest(unittest.TestCase):
    def test_a_leaked_task_fails_naming_the_task_and_where_it_was_created(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(_forever(), name="the-leak")

        result = run_test(Inner, "test_leaks")
        text = failure_text(result)
        self.assertEqual(len(result.failures), 1, text)
        self.assertIn("pending_tasks: 1 task(s) still pending", text)
        self.assertIn("task 'the-leak' running _forever()", text)
        self.assertIn("case/test_checks.py", text)  # where it was created / suspended
        self.assertIn("in _forever", text)

    def test_an_awaited_or_cancelled_task_passes(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_awaits(self) -> None:
                await asyncio.get_running_loop().create_task(asyncio.sleep(0))

            async def test_cancels_in_cleanup(self) -> None:
                task = asyncio.get_running_loop().create_task(_forever())
                self.addCleanup(task.cancel)

        self.assertTrue(passed(run_test(Inner, "test_awaits")))
        result = run_test(Inner, "test_cancels_in_cleanup")
        self.assertTrue(passed(result), failure_text(result))

    def test_tasks_keep_their_names(self) -> None:
        # Python 3.13.0 named every task "None" once a task factory was set.
        names: list[str] = []

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                for task in (loop.create_task(asyncio.sleep(0)), asyncio.ensure_future(_nap())):
                    names.append(task.get_name())
                    await task
                named = loop.create_task(asyncio.sleep(0), name="mine")
                names.append(named.get_name())
                await named

        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertRegex(names[0], r"^Task-\d+$")
        self.assertRegex(names[1], r"^Task-\d+$")
        self.assertEqual(names[2], "mine")

    def test_the_leak_is_cleaned_so_the_next_test_starts_clean(self) -> None:
        leaked: list[asyncio.Task[None]] = []

        class Inner(asynctoolkit.TestCase):
            async def test_leaks(self) -> None:
                leaked.append(asyncio.get_running_loop().create_task(_forever()))

        run_test(Inner, "test_leaks")
        self.assertTrue(leaked[0].cancelled())

    def test_turned_off(self) -> None:
        class Inner(asynctoolkit.TestCase):
            @fail_on(pending_tasks=False)
            async def test_leaks(self) -> None:
                asyncio.get_running_loop().create_task(_forever())

        self.assertTrue(passed(run_test(Inner, "test_leaks")))

    def test_tasks_of_the_shared_loop_do_not_count(self) -> None:
        class Inner(asynctoolkit.TestCase):
            use_default_loop = True

            @classmethod
            async def asyncSetUpClass(cls) -> None:
                cls.server = asyncio.get_running_loop().create_task(_forever())

            @classmethod
            async def asyncTearDownClass(cls) -> None:
                cls.server.cancel()

            async def test_it(self) -> None:
                await asyncio.sleep(0)

        result = unittest.TestResult()
        unittest.TestSuite([Inner("test_it")]).run(result)
        self.assertTrue(result.wasSuccessful(), failure_text(result))


class UnhandledExceptionsTest(unittest.TestCase):
    def test_an_exception_in_a_callback_fails_with_its_traceback(self) -> None:
        def explode() -> None:
            raise ZeroDivisionError("in a callback")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                asyncio.get_running_loop().call_soon(explode)
                await asyncio.sleep(0)

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unhandled_exceptions: 1 error(s)", text)
        self.assertIn("explode", text)
        self.assertIn("ZeroDivisionError: in a callback", text)

    def test_a_task_exception_never_retrieved_fails(self) -> None:
        async def fails() -> None:
            raise KeyError("lost")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                asyncio.get_running_loop().create_task(fails())
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                gc.collect()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unhandled_exceptions", text)
        self.assertIn("KeyError: 'lost'", text)
        self.assertIn("never retrieved", text)

    def test_a_failed_task_still_referenced_fails_too(self) -> None:
        # Kept alive past the test, its "never retrieved" log would come only
        # when it is collected, maybe after the run: the check looks at it.
        async def fails() -> None:
            raise KeyError("kept alive")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.task = asyncio.get_running_loop().create_task(fails())
                await asyncio.sleep(0)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("unhandled_exceptions", text)
        self.assertIn("KeyError: 'kept alive'", text)
        self.assertIn("never retrieved", text)
        self.assertIsInstance(inner.task.exception(), KeyError)

    def test_a_retrieved_exception_passes(self) -> None:
        async def fails() -> None:
            raise KeyError("kept")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                with self.assertRaises(KeyError):
                    await asyncio.get_running_loop().create_task(fails())

        self.assertTrue(passed(run_test(Inner, "test_it")))


class UnawaitedCoroutinesTest(unittest.TestCase):
    def test_a_dropped_coroutine_fails_naming_it_and_where(self) -> None:
        async def fetch() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unawaited_coroutines", text)
        self.assertIn("fetch' was never awaited", text)
        self.assertIn("case/test_checks.py", text)

    def test_awaited_coroutines_pass_and_other_warnings_go_through(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                await asyncio.sleep(0)
                warnings.warn("kept", UserWarning, stacklevel=1)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual([str(w.message) for w in caught], ["kept"])

    def test_turned_off_the_warning_is_left_to_python(self) -> None:
        async def fetch() -> None:
            pass

        @fail_on(unawaited_coroutines=False)
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertTrue(any("never awaited" in str(w.message) for w in caught))


class SelectorCallbacksTest(unittest.TestCase):
    def test_a_reader_left_registered_fails_naming_fd_and_callback(self) -> None:
        def on_readable() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                a, b = socket.socketpair()
                self.addCleanup(a.close)
                self.addCleanup(b.close)
                self.fd = a.fileno()
                asyncio.get_running_loop().add_reader(a, on_readable)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("active_selector_callbacks", text)
        self.assertIn("reader on", text)
        self.assertIn(f"(fd {inner.fd})", text)
        self.assertIn("on_readable", text)

    def test_a_reader_removed_in_a_cleanup_passes(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                a, b = socket.socketpair()
                self.addCleanup(a.close)
                self.addCleanup(b.close)
                loop = asyncio.get_running_loop()
                loop.add_writer(a, print)
                self.addCleanup(loop.remove_writer, a)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))


class LeakedTransportTest(unittest.TestCase):
    def test_a_transport_left_open_is_reported_with_the_other_problems(self) -> None:
        # remove_reader() refuses a transport's descriptor: that used to crash
        # the checks and hide every other report of the test.
        async def lost() -> None:
            raise ValueError("lost")

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                self.server_side: list[object] = []  # kept: dropping it would close both ends

                async def keep(reader: object, writer: object) -> None:
                    self.server_side.append(writer)

                server = await asyncio.start_server(keep, "127.0.0.1", 0)
                port = server.sockets[0].getsockname()[1]
                self.connection = await asyncio.open_connection("127.0.0.1", port)
                server.close()  # (wait_closed() would wait for the connection, 3.12+)
                self.task = asyncio.get_running_loop().create_task(lost())
                await asyncio.sleep(0)

        inner = Inner("test_it")
        result = unittest.TestResult()
        inner.run(result)
        text = failure_text(result)
        self.assertIn("active_selector_callbacks", text)
        self.assertIn("_read_ready", text)
        self.assertIn("close the transport, or its writer", text)
        self.assertIn("ValueError: lost", text)  # the other check still reported


class ActiveHandlesTest(unittest.TestCase):
    def test_off_by_default_and_on_it_names_the_timer(self) -> None:
        def later() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_default(self) -> None:
                asyncio.get_running_loop().call_later(10, later)

            @fail_on(active_handles=True)
            async def test_checked(self) -> None:
                asyncio.get_running_loop().call_later(10, later)

            @fail_on(active_handles=True)
            async def test_clean(self) -> None:
                asyncio.get_running_loop().call_later(10, later).cancel()

        self.assertTrue(passed(run_test(Inner, "test_default")))
        text = failure_text(run_test(Inner, "test_checked"))
        self.assertIn("active_handles", text)
        self.assertIn("later()", text)
        self.assertTrue(passed(run_test(Inner, "test_clean")))


class UnusedLoopTest(unittest.TestCase):
    def test_a_sync_test_that_never_runs_the_loop(self) -> None:
        @fail_on(unused_loop=True)
        class Inner(asynctoolkit.TestCase):
            def test_unused(self) -> None:
                pass

            def test_used(self) -> None:
                self.loop.run_until_complete(asyncio.sleep(0))

            async def test_async(self) -> None:
                pass

        self.assertIn("unused_loop", failure_text(run_test(Inner, "test_unused")))
        self.assertTrue(passed(run_test(Inner, "test_used")))
        self.assertTrue(passed(run_test(Inner, "test_async")))


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


if __name__ == "__main__":
    unittest.main()
