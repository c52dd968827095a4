"""The conformance runner itself works (its full run is the nox session ``conformance``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import unittest
from pathlib import Path

RUNNER = Path(__file__).with_name("run_testmock.py")
PACKAGE = "unittest.test.testmock" if sys.version_info < (3, 12) else "test.test_unittest.testmock"


@unittest.skipIf(importlib.util.find_spec(PACKAGE) is None, "this Python has no test package")
class RunnerTest(unittest.TestCase):
    def run_runner(self, *args: str) -> subprocess.CompletedProcess[str]:
        root = str(RUNNER.parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        return subprocess.run(
            [sys.executable, str(RUNNER), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    def test_a_module_runs_against_our_names_and_is_summarised(self) -> None:
        done = self.run_runner("testsentinel", "testcallable")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        lines = done.stdout.splitlines()
        self.assertRegex(lines[-1], r"^\d+ passed, 0 failed, \d+ skipped, \d+ excluded$")
        self.assertTrue(any(line.strip().startswith("testcallable ") for line in lines))
        replaced = next(line for line in lines if line.startswith("unittest.mock names replaced"))
        for name in ("AsyncMock", "MagicMock", "Mock", "create_autospec", "patch"):
            self.assertIn(f" {name},", replaced + ",")

    def test_an_unknown_module_is_refused(self) -> None:
        done = self.run_runner("testnothing")
        self.assertEqual(done.returncode, 2)
        self.assertIn("unknown module(s) testnothing", done.stderr)


if __name__ == "__main__":
    unittest.main()
