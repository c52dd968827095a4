"""A test stuck in synchronous code fails alone, and the run always finishes.

Each scenario runs a whole suite in a subprocess (the runner, unittest,
pytest, pytest -n 2): a test stuck in ``time.sleep``, a busy loop or a
blocking socket read, with a patch active, then a test that checks the patch
was restored.  Before, the watchdog's KeyboardInterrupt ended the whole run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

import asynctoolkit
from tests._inner import failure_text, passed, run_test

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


class StuckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        with open(os.path.join(self.dir, "test_stuck_suite.py"), "w") as f:
            f.write(textwrap.dedent(_SUITE))

    def run_in(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=ROOT)
        return subprocess.run(
            [sys.executable, *args],
            cwd=self.dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,  # a bound on the hang this test is about, not a measure
        )

    def assert_three_stuck_failures(self, output: str) -> None:
        self.assertIn("did not return to its event loop", output)
        self.assertIn("in test_a_sleeps", output)  # where it was stuck
        self.assertIn("in test_b_busy", output)
        self.assertIn("in test_c_blocking_read", output)

    def test_under_the_runner(self) -> None:
        done = self.run_in("-m", "asynctoolkit", "test_stuck_suite.py")
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 1, output)
        self.assertIn("3 failed", output)
        self.assertIn("1 passed", output)
        self.assert_three_stuck_failures(output)

    def test_under_unittest(self) -> None:
        done = self.run_in("-m", "unittest", "test_stuck_suite")
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 1, output)
        self.assertIn("FAILED (failures=3)", output)
        self.assertIn("Ran 4 tests", output)
        self.assert_three_stuck_failures(output)

    def test_under_pytest_and_xdist(self) -> None:
        for extra in ([], ["-n", "2"]):
            with self.subTest(extra=extra):
                done = self.run_in(
                    "-m",
                    "pytest",
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "no:randomly",
                    "test_stuck_suite.py",
                    *extra,
                )
                output = done.stdout + done.stderr
                self.assertEqual(done.returncode, 1, output)
                self.assertIn("3 failed, 1 passed", output)
                self.assertNotIn("crashed", output)


@unittest.skipUnless(hasattr(signal, "SIGALRM"), "no SIGALRM on this platform")
class AlarmFallbackTest(unittest.TestCase):
    def test_a_handler_of_the_users_is_kept_and_the_failure_says_why(self) -> None:
        def users(signum: int, frame: object) -> None:
            pass

        previous = signal.signal(signal.SIGALRM, users)
        self.addCleanup(signal.signal, signal.SIGALRM, previous)

        class Inner(asynctoolkit.TestCase):
            timeout = 0.2

            async def test_it(self) -> None:
                await asyncio.Event().wait()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("could not have been interrupted with SIGALRM", text)
        self.assertIn("SIGALRM already has a handler", text)
        self.assertIs(signal.getsignal(signal.SIGALRM), users)

    def test_the_default_disposition_is_restored_after_each_test(self) -> None:
        class Inner(asynctoolkit.TestCase):
            timeout = 5

            async def test_it(self) -> None:
                self.assertIsNot(signal.getsignal(signal.SIGALRM), signal.SIG_DFL)

        self.assertIs(signal.getsignal(signal.SIGALRM), signal.SIG_DFL)
        self.assertTrue(passed(run_test(Inner, "test_it")))
        self.assertIs(signal.getsignal(signal.SIGALRM), signal.SIG_DFL)
        self.assertEqual(signal.getitimer(signal.ITIMER_REAL), (0.0, 0.0))
