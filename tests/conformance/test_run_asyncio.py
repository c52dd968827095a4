"""The conformance runner itself: its counts, its exclusions, one small module end to end."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import unittest
from pathlib import Path

from tests.conformance import exclusions
from tests.conformance.run_asyncio import Tally

_RUNNER = Path(__file__).with_name("run_asyncio.py")
_ROOT = _RUNNER.parents[2]


class TallyTest(unittest.TestCase):
    def test_counts_outcomes_and_where_each_test_ran(self) -> None:
        tally = Tally()
        scripted = ["ClockedEventLoop for a scripted TestLoop"]
        tally.add({"id": "a", "outcome": "passed", "ran_on": ["ClockedEventLoop"]})
        tally.add({"id": "b", "outcome": "passed", "ran_on": scripted})
        tally.add({"id": "c", "outcome": "failed", "ran_on": [], "detail": "boom"})
        tally.add({"id": "d", "outcome": "passed", "ran_on": ["scripted asyncio TestLoop"]})
        tally.add({"id": "e", "outcome": "excluded", "ran_on": [], "detail": "why"})
        tally.add({"id": "f", "outcome": "skipped", "ran_on": []})
        summary = tally.summary("clocked")
        self.assertIn("clocked: 3 passed, 1 failed, 1 skipped, 1 excluded", summary)
        self.assertIn("of the 4 run: 2 on the loop under test (of which 1 script time", summary)
        self.assertIn("1 script time on asyncio's TestLoop, 0 on asyncio's TestLoop only", summary)
        self.assertIn("1 made no loop", summary)
        self.assertEqual(tally.failures, ["c\nboom"])
        self.assertEqual(tally.excluded, {"why": ["e"]})


class ExclusionsTest(unittest.TestCase):
    def test_every_exclusion_gives_a_reason(self) -> None:
        for table in (
            exclusions.EVERY_LOOP,
            exclusions.CLOCKED,
            exclusions.VIRTUAL_TEST_LOOP,
            exclusions.SELECTOR,
        ):
            for pattern, why in table.items():
                self.assertTrue(pattern.startswith("test.test_asyncio."), pattern)
                self.assertGreater(len(why), 40, pattern)

    def test_tables_apply_to_their_loop_only(self) -> None:
        stop = "test.test_asyncio.test_tasks.PyTask_PyFuture_Tests.test_stop_while_run_in_complete"
        self.assertIsNotNone(exclusions.reason("clocked", stop, virtual_test_loop=True))
        self.assertIsNone(exclusions.reason("clocked", stop, virtual_test_loop=False))
        self.assertIsNone(exclusions.reason("selector", stop, virtual_test_loop=True))


@unittest.skipIf(
    importlib.util.find_spec("test.test_asyncio") is None, "no test.test_asyncio package"
)
class EndToEndTest(unittest.TestCase):
    def test_a_small_module_passes_on_both_loops(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(_ROOT)}
        done = subprocess.run(
            [sys.executable, str(_RUNNER), "--module", "context"],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertRegex(done.stdout, r"clocked: [1-9]\d* passed, 0 failed")
        self.assertRegex(done.stdout, r"selector: [1-9]\d* passed, 0 failed")


if __name__ == "__main__":
    unittest.main()
