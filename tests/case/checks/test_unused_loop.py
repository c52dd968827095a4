"""The ``unused_loop`` check."""

from __future__ import annotations

import asyncio
import unittest

import asynctoolkit
from asynctoolkit import fail_on
from tests._inner import failure_text, passed, run_test


class UnusedLoopTest(unittest.TestCase):
    def test_a_sync_test_that_never_runs_the_loop(self) -> None:
        @fail_on(unused_loop=True)
        class Inner(asynctoolkit.TestCase):
            def test_unused(self) -> None:
                pass

            def test_used(self) -> None:
                self.loop.run_until_complete(asyncio.sleep(0))

            async def test_async(self) -> None:
                pass

        self.assertIn("unused_loop", failure_text(run_test(Inner, "test_unused")))
        self.assertTrue(passed(run_test(Inner, "test_used")))
        self.assertTrue(passed(run_test(Inner, "test_async")))
