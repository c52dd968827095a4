"""A test's clocked loop does not poll its selector while only callbacks keep it busy."""

from __future__ import annotations

import asyncio
import sys
import unittest
from typing import Any

import asynctoolkit
from tests._inner import failure_text, passed, run_test


class PollingTest(unittest.TestCase):
    def test_a_clocked_test_case_loop_skips_the_poll_while_busy(self) -> None:
        """Before: the test loops' selector (a DefaultSelector subclass that only
        looks descriptors up faster) was taken for a user's selector, so every
        busy iteration made a system call (6x the bare loop's cost per timer).
        """
        polls: list[str] = []

        def profile(frame: Any, event: str, arg: Any) -> None:
            # The selector's system call: epoll.poll, poll.poll, select.select...
            if event == "c_call" and getattr(arg, "__name__", "") in {"poll", "select", "control"}:
                polls.append(getattr(arg, "__qualname__", ""))

        class Inner(asynctoolkit.ClockedTestCase):
            async def test_it(self) -> None:
                loop = asyncio.get_running_loop()
                sys.setprofile(profile)
                try:
                    for _ in range(100):
                        loop.call_soon(lambda: None)
                        await asyncio.sleep(0)
                finally:
                    sys.setprofile(None)

        result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertLess(len(polls), 10, polls[:10])
