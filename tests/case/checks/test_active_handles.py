"""The ``active_handles`` check."""

from __future__ import annotations

import asyncio
import unittest

import asynctoolkit
from asynctoolkit import fail_on
from tests._inner import failure_text, passed, run_test


class ActiveHandlesTest(unittest.TestCase):
    def test_off_by_default_and_on_it_names_the_timer(self) -> None:
        def later() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_default(self) -> None:
                asyncio.get_running_loop().call_later(10, later)

            @fail_on(active_handles=True)
            async def test_checked(self) -> None:
                asyncio.get_running_loop().call_later(10, later)

            @fail_on(active_handles=True)
            async def test_clean(self) -> None:
                asyncio.get_running_loop().call_later(10, later).cancel()

        self.assertTrue(passed(run_test(Inner, "test_default")))
        text = failure_text(run_test(Inner, "test_checked"))
        self.assertIn("active_handles", text)
        self.assertIn("later()", text)
        self.assertTrue(passed(run_test(Inner, "test_clean")))
