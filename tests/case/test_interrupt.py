"""Ctrl-C during a test: reported, cleaned up, and the run stops with a non-zero status.

Each scenario runs a suite in a subprocess and sends it SIGINT while its
first test runs.  Before, the KeyboardInterrupt skipped the test's
tear-down and cleanups (patches stayed in place) and ended the run with a
traceback and no summary.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_SUITE = """
import asyncio, gc, sys, time, unittest
import asynctoolkit

def interrupt_during_gc_callbacks():
    # Ctrl-C handled while the garbage collector runs its callbacks: the
    # handler's KeyboardInterrupt is raised at the first C call a callback
    # makes after this one (a profile function may raise, as a handler does).
    inside = False
    def watch(phase, info):
        nonlocal inside
        inside = phase == "start"
    def profile(frame, event, arg):
        if inside and event == "c_call":
            sys.setprofile(None)
            raise KeyboardInterrupt
    gc.callbacks.insert(0, watch)
    try:
        sys.setprofile(profile)
        gc.collect(0)
    finally:
        sys.setprofile(None)
        gc.callbacks.remove(watch)

class A(asynctoolkit.TestCase):
    def setUp(self):
        self.addCleanup(print, "CLEANUP RAN", flush=True)

    async def test_1_{kind}(self):
        print("STARTED", flush=True)
        if {during_gc}:
            interrupt_during_gc_callbacks()
        if "{kind}" == "async":
            await asyncio.sleep(60)
        else:
            time.sleep(60)

class B(unittest.TestCase):
    def test_2_never_runs(self):
        print("SECOND TEST RAN", flush=True)
"""


@unittest.skipUnless(hasattr(signal, "SIGINT") and os.name == "posix", "needs POSIX signals")
class InterruptTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def interrupt(
        self, kind: str, *command: str, during_gc: bool = False, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Run ``command`` on the suite; send SIGINT once its first test has started.

        ``during_gc``: the test raises the KeyboardInterrupt itself, as a
        SIGINT handled while the garbage collector's callbacks run would.
        """
        suite = textwrap.dedent(_SUITE).replace("{kind}", kind)
        with open(os.path.join(self.dir, "test_interrupted.py"), "w") as f:
            f.write(suite.replace("{during_gc}", str(during_gc)))
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=self.dir,
            env={**os.environ, "PYTHONPATH": ROOT, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        lines: list[str] = []
        try:
            for line in process.stdout:
                lines.append(line)
                if "STARTED" in line:
                    if not during_gc:
                        process.send_signal(signal.SIGINT)
                    break
            try:
                rest, _ = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                # Still running: the Ctrl-C was lost where Python itself
                # swallows exceptions (a weak reference's callback, a
                # __del__: it says "Exception ignored").  A user presses
                # it again; the test says where the first one went, never
                # in the check's own gc callback (the bug of the gc
                # scenario; its interrupt sent again is also in Python's
                # hands: CI, 3.11, once, sent at a collection's start, it
                # landed in the callbacks of the garbage being collected).
                process.send_signal(signal.SIGINT)
                rest, _ = process.communicate(timeout=120)
                output = "".join(lines) + rest
                assert "Exception ignored" in output, "a Ctrl-C lost without a trace:\n" + output
                assert "_on_collection" not in output, "lost in the check's callback:\n" + output
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return process.returncode, "".join(lines) + rest

    def test_runner_and_unittest(self) -> None:
        self.check_runner_and_unittest(during_gc=False)

    def test_an_interrupt_during_the_garbage_collectors_callbacks_is_not_lost(self) -> None:
        # Before, gc swallowed the KeyboardInterrupt raised in the unawaited
        # coroutines check's callback ("Exception ignored in"): the test slept
        # on to its limit and the run went on (seen on CI, Python 3.10).
        self.check_runner_and_unittest(during_gc=True)

    def test_a_wrong_last_resort_delay_does_not_swallow_the_interrupt(self) -> None:
        # A test without a time limit never checks ASYNCTOOLKIT_LAST_RESORT_SECONDS;
        # the Ctrl-C's limit for the cleanups did, and its ValueError replaced
        # the interrupt: the run went on to the next test.
        code, output = self.interrupt(
            "sync",
            *("-m", "asynctoolkit", "--timeout", "0", "test_interrupted.py"),
            env={"ASYNCTOOLKIT_LAST_RESORT_SECONDS": "soon"},
        )
        self.assertNotEqual(code, 0, output)
        self.assertIn("CLEANUP RAN", output)
        self.assertIn("interrupted (Ctrl-C)", output)
        self.assertNotIn("SECOND TEST RAN", output)

    def check_runner_and_unittest(self, during_gc: bool) -> None:
        for kind in ("sync", "async"):
            for command in (
                ("-m", "asynctoolkit", "test_interrupted.py"),
                ("-m", "unittest", "test_interrupted"),
            ):
                with self.subTest(kind=kind, command=command[1]):
                    code, output = self.interrupt(kind, *command, during_gc=during_gc)
                    if during_gc:  # never lost in the check's own gc callback
                        self.assertNotIn("_on_collection", output)
                    self.assertNotEqual(code, 0, output)
                    self.assertIn("CLEANUP RAN", output)
                    self.assertIn("interrupted (Ctrl-C)", output)
                    self.assertNotIn("SECOND TEST RAN", output)
                    self.assertNotIn(
                        "Traceback (most recent call last):\n  File",
                        output.split("interrupted (Ctrl-C)")[-1],
                    )

    def test_pytest_runs_the_cleanups_of_the_running_test(self) -> None:
        for kind in ("sync", "async"):
            with self.subTest(kind=kind):
                code, output = self.interrupt(
                    kind,
                    "-m",
                    "pytest",
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "no:randomly",
                    "-s",
                    "test_interrupted.py",
                )
                self.assertNotEqual(code, 0, output)
                self.assertIn("CLEANUP RAN", output)
                self.assertNotIn("SECOND TEST RAN", output)
