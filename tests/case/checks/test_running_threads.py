"""The ``running_threads`` check."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import unittest

import asynctoolkit
from asynctoolkit._shared import threads
from tests._inner import failure_text, passed, run_test


class RunningThreadsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.stop = threading.Event()
        self.addCleanup(self.stop.set)

    def test_a_thread_left_running_fails_naming_it_and_its_target(self) -> None:
        stop = self.stop

        def spin() -> None:
            stop.wait(30)

        class Inner(asynctoolkit.TestCase):
            cancel_wait = 0.05

            async def test_it(self) -> None:
                threading.Thread(target=spin, name="spinner", daemon=True).start()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("running_threads: 1 thread(s)", text)
        self.assertIn("daemon thread 'spinner' running", text)
        self.assertIn("spin", text)
        self.assertIn("checks/test_running_threads.py", text)  # where it was started

    def test_an_own_executor_never_shut_down_fails(self) -> None:
        stop = self.stop

        class Inner(asynctoolkit.TestCase):
            cancel_wait = 0.05

            async def test_it(self) -> None:
                pool = concurrent.futures.ThreadPoolExecutor(1, "own-pool")
                await asyncio.get_running_loop().run_in_executor(pool, lambda: None)
                pool.submit(stop.wait, 30)

        self.assertIn("'own-pool_0'", failure_text(run_test(Inner, "test_it")))

    def test_threads_joined_or_shut_down_pass_and_the_default_executor_is_fine(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                await asyncio.get_running_loop().run_in_executor(None, lambda: None)
                pool = concurrent.futures.ThreadPoolExecutor(1)
                self.addCleanup(pool.shutdown)
                await asyncio.get_running_loop().run_in_executor(pool, lambda: None)
                thread = threading.Thread(target=lambda: None)
                thread.start()
                thread.join()

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_a_thread_stopped_in_a_cleanup_gets_a_moment_to_end(self) -> None:
        stop = self.stop

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                threading.Thread(target=stop.wait, args=(30,)).start()
                self.addCleanup(stop.set)  # no join: the check waits a moment

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))

    def test_allowed_names_and_the_check_turned_off(self) -> None:
        stop = self.stop

        class Allowed(asynctoolkit.TestCase):
            cancel_wait = 0.05
            allowed_threads = ("keeper-*",)

            async def test_it(self) -> None:
                threading.Thread(target=stop.wait, args=(30,), name="keeper-1").start()

        @asynctoolkit.fail_on(running_threads=False)
        class Off(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                threading.Thread(target=stop.wait, args=(30,), daemon=True).start()

        self.assertTrue(passed(run_test(Allowed, "test_it")))
        self.assertTrue(passed(run_test(Off, "test_it")))

    def test_a_thread_an_installed_package_starts_is_the_librarys(self) -> None:
        # The rule: the innermost frame outside the standard library (and
        # asynctoolkit) when Thread.start() ran decides whose thread it is.
        self.assertTrue(threads.from_installed_package(concurrent.futures.__file__ + ":1") is False)
        import pytest  # an installed package

        self.assertTrue(threads.from_installed_package(pytest.__file__ + ":1"))
        self.assertFalse(threads.from_installed_package(__file__ + ":1"))


class ThreadDetailsTest(unittest.TestCase):
    """The private threading detail the check reads (canary)."""

    def test_target_of_a_thread(self) -> None:
        def work() -> None:
            pass

        thread = threading.Thread(target=work)
        self.assertIs(threads.target_of(thread), work)

        class Sub(threading.Thread):
            def run(self) -> None:
                pass

        sub = Sub()
        self.assertEqual(threads.target_of(sub), sub.run)

    def test_start_is_restored_after_the_last_watcher(self) -> None:
        before = threading.Thread.start
        undo_outer = threads.watch_starts()
        undo_inner = threads.watch_starts()
        self.assertIs(threading.Thread.start, threads._started)
        undo_inner()
        self.assertIs(threading.Thread.start, threads._started)
        undo_outer()
        self.assertIs(threading.Thread.start, before)
