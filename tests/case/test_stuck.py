"""A test stuck in synchronous code fails alone, and the run always finishes.

Each scenario runs a whole suite in a subprocess (the runner, unittest,
pytest, pytest -n 2): a test stuck in ``time.sleep``, a busy loop or a
blocking socket read, with a patch active, then a test that checks the patch
was restored.  Before, the watchdog's KeyboardInterrupt ended the whole run.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from typing import Any

import asynctoolkit
from tests._inner import failure_text, passed, run_test
from tests._suites import run_suite

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_SUITE = """
import socket, time, unittest
import asynctoolkit
from asynctoolkit.mock import patch

VALUE = "original"

class Stuck(asynctoolkit.TestCase):
    timeout = 1

    @patch(__name__ + ".VALUE", "patched")
    def test_a_sleeps(self):
        time.sleep(100)

    @patch(__name__ + ".VALUE", "patched")
    async def test_b_busy(self):
        while True:
            pass

    def test_c_blocking_read(self):
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        a.recv(1)

class After(unittest.TestCase):
    def test_d_patch_restored(self):
        self.assertEqual(VALUE, "original")
"""


# pytest on a suite: no cache, and its tests in the order they are written.
_PYTEST = ("-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly")


class StuckTest(unittest.TestCase):
    def run_in(self, *args: str) -> tuple[int, str]:
        return run_suite(_SUITE, "test_stuck_suite.py", *args, timeout=240)

    def assert_three_stuck_failures(self, output: str) -> None:
        self.assertIn("did not return to its event loop", output)
        self.assertIn("in test_a_sleeps", output)  # where it was stuck
        self.assertIn("in test_b_busy", output)
        self.assertIn("in test_c_blocking_read", output)

    def test_under_the_runner(self) -> None:
        code, output = self.run_in("-m", "asynctoolkit", "test_stuck_suite.py")
        self.assertEqual(code, 1, output)
        self.assertIn("3 failed", output)
        self.assertIn("1 passed", output)
        self.assert_three_stuck_failures(output)

    def test_under_unittest(self) -> None:
        code, output = self.run_in("-m", "unittest", "test_stuck_suite")
        self.assertEqual(code, 1, output)
        self.assertIn("FAILED (failures=3)", output)
        self.assertIn("Ran 4 tests", output)
        self.assert_three_stuck_failures(output)

    def test_under_pytest_and_xdist(self) -> None:
        for extra in ([], ["-n", "2"]):
            with self.subTest(extra=extra):
                code, output = self.run_in(*_PYTEST, "test_stuck_suite.py", *extra)
                self.assertEqual(code, 1, output)
                self.assertIn("3 failed, 1 passed", output)
                self.assertNotIn("crashed", output)


@unittest.skipUnless(os.name == "posix", "needs POSIX signals")
class FallbackTest(unittest.TestCase):
    def test_a_sigint_handler_of_the_codes_own_is_kept_and_the_failure_says_why(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            with open(os.path.join(directory, "test_own_handler.py"), "w") as f:
                f.write(
                    textwrap.dedent(
                        """
                        import signal, time, unittest
                        import asynctoolkit

                        def own(signum, frame):
                            pass

                        class T(asynctoolkit.TestCase):
                            timeout = 0.5

                            def setUp(self):
                                signal.signal(signal.SIGINT, own)
                                default = signal.default_int_handler
                                self.addCleanup(signal.signal, signal.SIGINT, default)

                            def test_stuck(self):
                                time.sleep(3)  # returns by itself: nothing could interrupt it
                                assert signal.getsignal(signal.SIGINT) is own
                        """
                    )
                )
            done = subprocess.run(
                [sys.executable, "-m", "unittest", "test_own_handler"],
                cwd=directory,
                env=dict(os.environ, PYTHONPATH=ROOT),
                capture_output=True,
                text=True,
                timeout=120,
            )
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("it could not be interrupted: SIGINT has a handler of its own", done.stderr)

    def test_signal_handlers_are_left_alone(self) -> None:
        class Inner(asynctoolkit.TestCase):
            timeout = 5

            async def test_it(self) -> None:
                pass

        before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGALRM))
        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertEqual(
            (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGALRM)), before
        )


_SWALLOWING_SUITE = """
import asyncio, time, unittest
import asynctoolkit
from asynctoolkit.mock import patch

VALUE = "original"

class Swallows(asynctoolkit.TestCase):
    timeout = 0.5

    @patch(__name__ + ".VALUE", "patched")
    async def test_e_its_cancellation(self):
        for _ in range(100):
            try:
                await asyncio.sleep(100)
            except asyncio.CancelledError:
                pass

    @patch(__name__ + ".VALUE", "patched")
    def test_f_the_interrupt(self):
        try:
            time.sleep(100)
        except KeyboardInterrupt:  # as a __del__ or another gc callback may lose it
            pass
        time.sleep(100)

    async def test_h_sync_after_its_cancellation(self):
        try:
            await asyncio.sleep(100)
        except asyncio.CancelledError:
            time.sleep(100)  # stuck outside the loop once cancelled

class After(unittest.TestCase):
    def test_g_patch_restored(self):
        self.assertEqual(VALUE, "original")
"""


#: The last resort's delay the swallowing suites run with (the default, 10 s,
#: is kept for one test): ``ASYNCTOOLKIT_LAST_RESORT_SECONDS``.
_GRACE = {"ASYNCTOOLKIT_LAST_RESORT_SECONDS": "2"}


@unittest.skipUnless(os.name == "posix", "needs POSIX signals")
class SwallowedTest(unittest.TestCase):
    """A test that swallows its cancellation, or the watchdog's interrupt, still ends.

    Before, the watchdog sent one interrupt and waited: each of these tests
    ran for its own 100 s or more (a suite with a ``while True`` hung).  Now
    the last resort interrupts it again ``ASYNCTOOLKIT_LAST_RESORT_SECONDS``
    (10 s by default; 2 s here) after its limit, and again as often while it
    runs on.
    """

    def run_suite(self, *args: str, env: dict[str, str] = _GRACE) -> str:
        code, output = run_suite(
            _SWALLOWING_SUITE, "test_swallowing.py", *args, timeout=150, env=env
        )
        self.assertEqual(code, 1, output)
        return output

    def assert_both_interrupted(self, output: str, grace: str = "2s") -> None:
        self.assertIn(
            "limit of 0.5s (real time) and did not end when it was cancelled; it was "
            f"interrupted {grace} after its limit",
            output,
        )
        self.assert_interrupted(output, grace)
        # Where the one stuck in sync code after its cancellation was (before,
        # nothing: the await chain of its task, which had ended, was shown).
        self.assertIn("time.sleep(100)  # stuck outside the loop once cancelled", output)
        # The task that swallowed its cancellation is that test's failure, not
        # also a leftover task (before: pending_tasks reported it as well).
        self.assertNotIn("pending_tasks:", output)

    def assert_interrupted(self, output: str, grace: str) -> None:
        self.assertIn(
            "limit of 0.5s (real time) and did not return to its event loop; it was "
            f"interrupted {grace} after its limit",
            output,
        )
        self.assertIn("in test_f_the_interrupt", output)  # where it was
        self.assertIn("is still running", output)  # the stacks were printed

    def test_under_the_runner(self) -> None:
        output = self.run_suite("-m", "asynctoolkit", "test_swallowing.py")
        self.assertIn("1 passed, 3 failed", output)
        self.assert_both_interrupted(output)

    def test_under_pytest(self) -> None:
        for extra in ([], ["-n", "2"]):
            with self.subTest(extra=extra):
                output = self.run_suite(*_PYTEST, "test_swallowing.py", *extra)
                self.assertIn("3 failed, 1 passed", output)
                self.assert_both_interrupted(output)

    def test_the_last_resort_comes_ten_seconds_after_the_limit_by_default(self) -> None:
        output = self.run_suite(
            "-m", "asynctoolkit", "test_swallowing.Swallows.test_f_the_interrupt", env={}
        )
        self.assertIn("0 passed, 1 failed", output)
        self.assert_interrupted(output, "10s")

    def test_a_last_resort_delay_that_is_not_a_number_of_seconds_fails_each_test(self) -> None:
        for value in ("soon", "0.5", "inf", "nan"):
            with self.subTest(value=value):
                code, output = run_suite(
                    _SWALLOWING_SUITE,
                    "test_swallowing.py",
                    "-m",
                    "asynctoolkit",
                    "test_swallowing.Swallows",
                    timeout=60,
                    env={"ASYNCTOOLKIT_LAST_RESORT_SECONDS": value},
                )
                self.assertEqual(code, 1, output)
                self.assertIn("0 passed, 3 failed", output)
                message = (
                    f"ASYNCTOOLKIT_LAST_RESORT_SECONDS={value!r}: it must be a number of "
                    "seconds greater than 1"
                )
                self.assertEqual(output.count(message), 3, output)


_BETWEEN_PHASES_SUITE = """
import asyncio, threading, time, unittest
import asynctoolkit

class LeavesWork(asynctoolkit.TestCase):
    timeout = 0.5
    cancel_wait = {cancel_wait}

    async def test_a_thread_outlives_the_limit(self):
        threading.Thread(target=time.sleep, args=(3,), daemon=True).start()

class LeavesClockedWork(asynctoolkit.ClockedTestCase):
    # Closing a clocked loop waits for its executor's jobs up to the loop's
    # real_timeout (10s), not the test's limit.
    timeout = 0.5
    cancel_wait = {cancel_wait}

    async def test_an_executor_job_outlives_the_limit(self):
        asyncio.get_running_loop().run_in_executor(None, time.sleep, 7)

class After(unittest.TestCase):
    def test_z_runs(self):
        pass
"""


@unittest.skipUnless(os.name == "posix", "needs POSIX signals")
class BetweenPhasesTest(unittest.TestCase):
    """The limit passes while the test's checks wait for a thread it left
    running, or the close of its clocked loop for an executor job: nothing is
    interrupted there, where a KeyboardInterrupt would stop the whole run.

    Before, the watchdog sent SIGINT one second after the limit into the
    ``running_threads`` check's wait for a thread the test left running: the
    run stopped there, the next test never ran.  And past its grace it
    printed every thread's stack saying the test "is interrupted" while
    nothing was.
    """

    def run_phases(self, cancel_wait: float, *command: str) -> str:
        """The suite run by ``python *command``: it passes, nothing interrupted."""
        code, output = run_suite(
            _BETWEEN_PHASES_SUITE.format(cancel_wait=cancel_wait),
            "test_phases.py",
            *command,
            timeout=120,
            env=_GRACE,
        )
        self.assertEqual(code, 0, output)
        self.assertNotIn("KeyboardInterrupt", output)
        self.assertNotIn("then it is interrupted", output)
        return output

    def run_suite(self, test: str, cancel_wait: float) -> str:
        output = self.run_phases(
            cancel_wait, *("-m", "asynctoolkit", f"test_phases.{test}", "test_phases.After")
        )
        self.assertIn("2 passed, 0 failed", output)
        return output

    def test_a_bounded_wait_past_the_limit_is_not_interrupted(self) -> None:
        # The thread ends 2.5 s after the limit, past the interrupt at 1 s and
        # the last resort at 2 s, within cancel_wait: nothing is printed.
        output = self.run_suite("LeavesWork.test_a_thread_outlives_the_limit", cancel_wait=10)
        self.assertNotIn("is still running", output)

    def test_a_longer_wait_shows_where_it_is_and_is_not_interrupted(self) -> None:
        # Closing the clocked loop waits for its executor's job (6.5 s after
        # the limit): past the last resort's delay twice (4 s), the stacks say
        # where the test is.
        output = self.run_suite(
            "LeavesClockedWork.test_an_executor_job_outlives_the_limit", cancel_wait=0.5
        )
        self.assertIn("it is between its phases", output)
        self.assertIn("in close_loop", output)

    def test_under_pytest_the_stacks_show_while_it_lasts(self) -> None:
        # pytest captures the output of a test, and shows it only if the test
        # fails: before, the stacks of a wait that lasts on were never seen
        # (this test passes), or not before it ended.
        output = self.run_phases(
            0.5,
            *_PYTEST,
            "test_phases.py::LeavesClockedWork::test_an_executor_job_outlives_the_limit",
            "test_phases.py::After",
        )
        self.assertIn("2 passed", output)
        self.assertIn("it is between its phases", output)
        self.assertIn("in close_loop", output)


class ExecutorJobsTest(unittest.TestCase):
    """Closing a test's loop waits for its default executor's jobs while the
    test's limit lasts.  Before, it waited as long as they ran (for ever on
    Python 3.10 and 3.11, as asyncio does), past the limit, and the test passed."""

    _GIVEN = "closing the test's loop: its default executor's jobs were given "

    def run_leaving_a_job(self, **attributes: Any) -> str:
        """Run a test that leaves a job running until it is over; its failures."""
        release = threading.Event()
        cleanup_sleeps = attributes.pop("cleanup_sleeps", 0)

        def job() -> None:
            release.wait(60)

        async def test_it(test: asynctoolkit.TestCase) -> None:
            asyncio.get_running_loop().run_in_executor(None, job)
            test.addCleanup(time.sleep, cleanup_sleeps)

        inner = type("Inner", (asynctoolkit.TestCase,), {"test_it": test_it, **attributes})
        try:
            result = run_test(inner, "test_it")
        finally:
            release.set()
        return failure_text(result)

    def test_a_job_running_past_the_limit_fails_the_test_which_ends(self) -> None:
        text = self.run_leaving_a_job(timeout=1)
        self.assertIn(self._GIVEN, text)
        self.assertIn(
            "s of real time (the rest of the test's time limit of 1s, at least its "
            "cancel_wait of 1s) and are still running",
            text,
        )
        self.assertIn(".<locals>.job() defined at", text)  # the job it runs
        self.assertIn(", in job\n", text)  # and where it is
        # Reported once: the running_threads check leaves that thread out.
        self.assertNotIn("running_threads", text)

    def test_a_limit_spent_before_the_close_gives_the_jobs_cancel_wait(self) -> None:
        # A cancel_wait of 0 waited 300 s, as a test without a limit does
        # (here, until the job ended: then nothing was reported).
        text = self.run_leaving_a_job(timeout=0.5, cancel_wait=0, cleanup_sleeps=0.8)
        self.assertIn(self._GIVEN + "0s of real time", text)

    @staticmethod
    def own_shutdown_loop(calls: list[str]) -> type[asyncio.AbstractEventLoop]:
        """A loop class whose own shutdown_default_executor notes each call in ``calls``."""

        class OwnShutdown(asyncio.SelectorEventLoop):
            async def shutdown_default_executor(self, *args: Any) -> None:
                calls.append("shutdown")
                await super().shutdown_default_executor(*args)

        return OwnShutdown

    def test_a_loop_class_with_its_own_executor_shutdown_is_bounded_too(self) -> None:
        """Before, closing a loop whose class overrides shutdown_default_executor
        waited as long as the job ran (here up to 60 s), past the limit, and the
        test passed."""
        calls: list[str] = []
        text = self.run_leaving_a_job(timeout=1, loop_factory=self.own_shutdown_loop(calls))
        self.assertIn(self._GIVEN, text)
        self.assertIn(", in job\n", text)  # the job, and where it is
        self.assertNotIn("running_threads", text)  # reported once
        self.assertEqual(calls, ["shutdown"])  # run first, as asyncio.run does

    def test_a_loop_class_whose_own_executor_shutdown_ends_the_jobs_passes(self) -> None:
        # Its override runs before the jobs are waited for: joining them
        # first waited out the limit and failed the test.
        release = threading.Event()

        class EndsItsJobs(asyncio.SelectorEventLoop):
            async def shutdown_default_executor(self, *args: Any) -> None:
                release.set()
                await super().shutdown_default_executor(*args)

        class Inner(asynctoolkit.TestCase):
            loop_factory = EndsItsJobs
            timeout = 5

            async def test_it(self) -> None:
                asyncio.get_running_loop().run_in_executor(None, release.wait, 60)

        try:
            result = run_test(Inner, "test_it")
        finally:
            release.set()
        self.assertTrue(passed(result), failure_text(result))

    def test_a_loop_class_with_its_own_executor_shutdown_gets_it_called(self) -> None:
        calls: list[str] = []

        class Inner(asynctoolkit.TestCase):
            loop_factory = self.own_shutdown_loop(calls)
            timeout = 5

            async def test_it(self) -> None:
                await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.05)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual(calls, ["shutdown"])

    def test_a_job_that_ends_in_time_is_waited_for(self) -> None:
        ended = threading.Event()

        def job() -> None:
            time.sleep(0.2)
            ended.set()

        for limit in (5, None):
            with self.subTest(timeout=limit):
                ended.clear()

                class Inner(asynctoolkit.TestCase):
                    timeout = limit

                    async def test_it(self) -> None:
                        asyncio.get_running_loop().run_in_executor(None, job)

                result = run_test(Inner, "test_it")
                self.assertTrue(passed(result), failure_text(result))
                self.assertTrue(ended.is_set())

    def test_the_run_goes_on_and_says_what_the_process_waits_for(self) -> None:
        suite = """
            import asyncio, time, unittest
            import asynctoolkit

            class LeavesAJob(asynctoolkit.TestCase):
                timeout = 0.5

                async def test_a_leaves_a_job(self):
                    asyncio.get_running_loop().run_in_executor(None, time.sleep, 4)

            class After(unittest.TestCase):
                def test_b_runs(self):
                    pass
            """
        waits = "asynctoolkit: the process now waits for 1 executor thread(s) still running"
        for command, summary, last in [
            (("-m", "asynctoolkit", "test_jobs"), "1 passed, 1 failed", waits),
            ((*_PYTEST, "test_jobs.py"), "1 failed, 1 passed", waits),
            ((*_PYTEST, "-n", "2", "test_jobs.py"), "1 failed, 1 passed", ""),
        ]:
            with self.subTest(command=command):
                code, output = run_suite(suite, "test_jobs.py", *command, timeout=120)
                self.assertEqual(code, 1, output)
                self.assertIn(summary, output)
                self.assertIn(self._GIVEN, output)
                self.assertIn("running time.sleep(4)", output)
                self.assertIn(last, output)


_SPENT_SUITE = """
import asyncio, unittest
import asynctoolkit

class Spent(asynctoolkit.TestCase):
    timeout = 0.5

    async def asyncSetUp(self):
        self.addAsyncCleanup(self.cleanup_waits_for_ever)

    async def cleanup_waits_for_ever(self):
        await asyncio.Event().wait()

    async def test_a_times_out(self):
        await asyncio.sleep(100)

    async def asyncTearDown(self):
        await asyncio.sleep(100)  # times out too, under its one further limit

class After(unittest.TestCase):
    def test_b_runs(self):
        pass
"""


@unittest.skipUnless(os.name == "posix", "needs POSIX signals")
class SpentLimitTest(unittest.TestCase):
    """A cleanup that starts once the limits are spent and waits for ever is
    interrupted by the last resort, and its failure says so, with its await
    chain.  Before: "did not return to its event loop", with the stack of
    the loop's select() where the interrupt met it."""

    def test_a_phase_started_under_a_spent_limit(self) -> None:
        code, output = run_suite(
            _SPENT_SUITE,
            "test_spent.py",
            "-m",
            "asynctoolkit",
            "test_spent.py",
            timeout=120,
            env=_GRACE,
        )
        self.assertEqual(code, 1, output)
        self.assertIn("1 passed, 1 failed", output)
        self.assertIn(
            "a phase that started once that limit was spent (its tear-down or cleanups) did "
            "not end; it was interrupted 2s after its limit. Where it was:",
            output,
        )
        self.assertIn("in cleanup_waits_for_ever", output)
        self.assertNotIn("did not return to its event loop", output)
