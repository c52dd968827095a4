"""``python -m asynctoolkit --asynctest``: the layer for one run, in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SUITE = """
import asyncio
import asynctest
from asynctest.mock import CoroutineMock


class T(asynctest.TestCase):
    async def test_awaits_the_mock(self):
        fetch = CoroutineMock(return_value=3)
        self.assertEqual(await fetch(), 3)
        fetch.assert_awaited_once_with()

    @asynctest.skip("skipped the unittest way")
    def test_skipped(self):
        raise AssertionError("not run")
"""


def _run(directory: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynctoolkit", *args],
        cwd=directory,
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=120,
    )


class RunnerFlagTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        with open(os.path.join(self.dir, "test_suite.py"), "w") as f:
            f.write(textwrap.dedent(SUITE))

    def test_the_flag_makes_asynctest_importable(self) -> None:
        out = _run(self.dir, "--asynctest", "-v")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("asynctoolkit: 1 passed, 0 failed, 1 skipped", out.stderr)

    def test_without_the_flag_asynctest_is_not_there(self) -> None:
        out = _run(self.dir)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("No module named 'asynctest'", out.stderr)

    def test_help_names_the_flag(self) -> None:
        out = _run(self.dir, "-h")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("[--asynctest]", out.stdout)
        self.assertIn("--asynctest ", out.stdout)
