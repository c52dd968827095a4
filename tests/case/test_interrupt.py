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
import asyncio, sys, time, unittest
import asynctoolkit

class A(asynctoolkit.TestCase):
    def setUp(self):
        self.addCleanup(print, "CLEANUP RAN", flush=True)

    async def test_1_{kind}(self):
        print("STARTED", flush=True)
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

    def interrupt(self, kind: str, *command: str) -> tuple[int, str]:
        with open(os.path.join(self.dir, "test_interrupted.py"), "w") as f:
            f.write(textwrap.dedent(_SUITE).replace("{kind}", kind))
        env = dict(os.environ, PYTHONPATH=ROOT, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=self.dir,
            env=env,
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
                    process.send_signal(signal.SIGINT)
                    break
            rest, _ = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return process.returncode, "".join(lines) + rest

    def test_runner_and_unittest(self) -> None:
        for kind in ("sync", "async"):
            for command in (
                ("-m", "asynctoolkit", "test_interrupted.py"),
                ("-m", "unittest", "test_interrupted"),
            ):
                with self.subTest(kind=kind, command=command[1]):
                    code, output = self.interrupt(kind, *command)
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
