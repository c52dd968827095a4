"""A test's run spans its function-scoped fixtures, and only them."""

from __future__ import annotations

import pytest

from tests.plugin._run import run_pytest


def test_the_run_starts_before_every_fixture_and_ends_before_the_module_s_teardown(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_a="""
        import asyncio, pytest
        import record

        @pytest.fixture(scope="module")
        def wide():
            record.loops.append(asyncio.get_event_loop())
            yield
            record.seen.append(("module finalised: the test's loop closed", _loop().is_closed()))

        @pytest.fixture
        def narrow(wide):
            record.loops.append(asyncio.get_event_loop())
            yield
            record.seen.append(("function finalised: the loop still open", not _loop().is_closed()))

        def _loop():
            return record.loops[0]

        async def test_leaks(narrow):
            assert asyncio.get_running_loop() is _loop()
            asyncio.get_running_loop().create_task(asyncio.sleep(60), name="left")
        """,
        test_b="""
        import record

        def test_after():
            # The module's fixture, set up by the test, was set up on its loop.
            assert record.loops[0] is record.loops[1]
            assert record.seen == [
                ("function finalised: the loop still open", True),
                ("module finalised: the test's loop closed", True),
            ]
        """,
        record="seen = []\nloops = []\n",
    )
    result = run_pytest(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks*", "*task 'left'*"])
