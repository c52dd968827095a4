"""One bug, one report: a failing test whose checks also find something counts once."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import asynctoolkit
from tests._inner import failure_text, run_test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _leaky() -> type[asynctoolkit.TestCase]:
    class Leaky(asynctoolkit.TestCase):
        async def test_fails_and_leaks(self) -> None:
            asyncio.get_running_loop().create_task(asyncio.sleep(10), name="leaked")
            self.assertEqual(1, 2)

        async def test_errors_and_leaks(self) -> None:
            asyncio.get_running_loop().create_task(asyncio.sleep(10), name="leaked")
            raise KeyError("boom")

        async def test_passes_but_leaks(self) -> None:
            asyncio.get_running_loop().create_task(asyncio.sleep(10), name="leaked")

    return Leaky


class OneReportTest(unittest.TestCase):
    def test_a_failure_and_the_checks_findings_are_one_failure(self) -> None:
        """Before: failures=2 for one test."""
        result = run_test(_leaky(), "test_fails_and_leaks")
        self.assertEqual((len(result.failures), len(result.errors)), (1, 0))
        text = failure_text(result)
        self.assertIn("1 != 2", text)
        self.assertIn("pending_tasks", text)
        self.assertIn("task 'leaked'", text)

    def test_an_error_keeps_its_kind_and_carries_the_findings(self) -> None:
        result = run_test(_leaky(), "test_errors_and_leaks")
        self.assertEqual((len(result.failures), len(result.errors)), (0, 1))
        text = failure_text(result)
        self.assertIn("KeyError: 'boom'", text)
        self.assertIn("pending_tasks", text)

    def test_a_passing_test_whose_checks_find_something_fails_once(self) -> None:
        result = run_test(_leaky(), "test_passes_but_leaks")
        self.assertEqual((len(result.failures), len(result.errors)), (1, 0))
        self.assertIn("pending_tasks", failure_text(result))

    def test_a_failing_teardown_is_still_its_own_report(self) -> None:
        class Inner(asynctoolkit.TestCase):
            def tearDown(self) -> None:
                raise ValueError("teardown broke")

            def test_it(self) -> None:
                self.fail("test broke")

        result = run_test(Inner, "test_it")
        self.assertEqual(len(result.failures) + len(result.errors), 2)


class PytestOneReportTest(unittest.TestCase):
    def test_pytest_counts_one_failure(self) -> None:
        """Before: pytest said '1 failed, 1 error' for a TestCase test that failed and leaked."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        with open(os.path.join(directory, "test_leaky.py"), "w") as f:
            f.write(
                textwrap.dedent(
                    """
                    import asyncio, asynctoolkit

                    class T(asynctoolkit.TestCase):
                        async def test_fails_and_leaks(self):
                            asyncio.get_running_loop().create_task(asyncio.sleep(10))
                            assert 1 == 2
                    """
                )
            )
        for extra in ([], ["-n", "2"]):
            with self.subTest(extra=extra):
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-p",
                        "no:cacheprovider",
                        "-p",
                        "no:randomly",
                        "test_leaky.py",
                        *extra,
                    ],
                    cwd=directory,
                    env=dict(os.environ, PYTHONPATH=ROOT),
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                self.assertIn("1 failed in", done.stdout)
                self.assertNotIn("error", done.stdout.splitlines()[-1])
                self.assertIn("pending_tasks", done.stdout)
