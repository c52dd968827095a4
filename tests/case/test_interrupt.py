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

GC_AT = {gc_at}  # a name: "'stop' is not None" is a SyntaxWarning from Python 3.12

def interrupt_during_gc_callbacks(at):
    # Ctrl-C handled while the garbage collector runs its callbacks, as a
    # profile function raising KeyboardInterrupt (as a signal's handler does):
    # "c_call": at the first C call a callback makes after this one;
    # "start", "stop": as the check's callback is entered for that phase,
    # before its first instruction (where Python checks for signals).
    inside = False
    def watch(phase, info):
        nonlocal inside
        inside = phase == "start"
    def profile(frame, event, arg):
        if at == "c_call":
            hit = inside and event == "c_call"
        else:
            hit = (event == "call" and frame.f_code.co_name == "_on_collection"
                   and frame.f_locals.get("phase") == at)
        if hit:
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
        if GC_AT is not None:
            interrupt_during_gc_callbacks(GC_AT)
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
        self, kind: str, *command: str, gc_at: str | None = None, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Run ``command`` on the suite; send SIGINT once its first test has started.

        ``gc_at``: the test raises the KeyboardInterrupt itself, as a SIGINT
        handled while the garbage collector's callbacks run would, at that
        place (see ``interrupt_during_gc_callbacks``).
        """
        suite = textwrap.dedent(_SUITE).replace("{kind}", kind)
        with open(os.path.join(self.dir, "test_interrupted.py"), "w") as f:
            f.write(suite.replace("{gc_at}", repr(gc_at)))
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=self.dir,
            env={**os.environ, "PYTHONPATH": ROOT, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        head = b""
        try:
            # From the pipe itself: a file object's read-ahead would keep what
            # follows STARTED from communicate() (a gc scenario's child runs on
            # to its end at once, and its report was lost).
            while b"STARTED" not in head:
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                head += chunk
            if gc_at is None and b"STARTED" in head:
                process.send_signal(signal.SIGINT)
            lines = [head.decode(errors="replace")]
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
        self.check_runner_and_unittest(gc_at=None)

    def test_an_interrupt_during_the_garbage_collectors_callbacks_is_not_lost(self) -> None:
        # Before, gc swallowed the KeyboardInterrupt raised in the unawaited
        # coroutines check's callback ("Exception ignored in"): the test slept
        # on to its limit and the run went on (seen on CI, Python 3.10).
        self.check_runner_and_unittest(gc_at="c_call")

    def test_an_interrupt_as_the_gc_callback_is_entered_is_not_lost(self) -> None:
        # Python checks for signals at a function's first instruction, before
        # any try: a Ctrl-C handled there escaped the check's callback and gc
        # swallowed it (seen once in a local run of the plain scenario, 3.11).
        for phase in ("start", "stop"):
            with self.subTest(phase=phase):
                self.check_runner_and_unittest(gc_at=phase)

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

    def check_runner_and_unittest(self, gc_at: str | None) -> None:
        for kind in ("sync", "async"):
            for command in (
                ("-m", "asynctoolkit", "test_interrupted.py"),
                ("-m", "unittest", "test_interrupted"),
            ):
                with self.subTest(kind=kind, command=command[1]):
                    code, output = self.interrupt(kind, *command, gc_at=gc_at)
                    if gc_at is not None:  # never lost in the check's own gc callback
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
