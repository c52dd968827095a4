"""The ``unawaited_coroutines`` check."""

from __future__ import annotations

import asyncio
import unittest
import warnings

import asynctoolkit
from asynctoolkit import fail_on
from tests._inner import failure_text, passed, run_test


class UnawaitedCoroutinesTest(unittest.TestCase):
    def test_a_dropped_coroutine_fails_naming_it_and_where(self) -> None:
        async def fetch() -> None:
            pass

        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        text = failure_text(run_test(Inner, "test_it"))
        self.assertIn("unawaited_coroutines", text)
        self.assertIn("fetch' was never awaited", text)
        self.assertIn("checks/test_unawaited_coroutines.py", text)

    def test_awaited_coroutines_pass_and_other_warnings_go_through(self) -> None:
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                await asyncio.sleep(0)
                warnings.warn("kept", UserWarning, stacklevel=1)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertEqual([str(w.message) for w in caught], ["kept"])

    def test_turned_off_the_warning_is_left_to_python(self) -> None:
        async def fetch() -> None:
            pass

        @fail_on(unawaited_coroutines=False)
        class Inner(asynctoolkit.TestCase):
            async def test_it(self) -> None:
                fetch()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_test(Inner, "test_it")
        self.assertTrue(passed(result), failure_text(result))
        self.assertTrue(any("never awaited" in str(w.message) for w in caught))
