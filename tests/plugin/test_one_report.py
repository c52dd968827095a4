"""One bug, one report under the pytest plugin: an async test that fails and leaks counts once."""

from __future__ import annotations

import pytest

from tests.plugin._run import SPLITS, run_pytest

_SUITE = """
import asyncio

async def test_fails_and_leaks():
    asyncio.get_running_loop().create_task(asyncio.sleep(10), name="leaked")
    assert 1 == 2, "the test's own failure"

async def test_passes_but_leaks():
    asyncio.get_running_loop().create_task(asyncio.sleep(10), name="leaked too")
"""


@pytest.mark.parametrize("split", SPLITS)
def test_a_failing_test_whose_checks_find_something_is_one_failure(
    pytester: pytest.Pytester, split: list[str]
) -> None:
    """Before: "1 failed, 1 passed, 2 errors": the findings were a second report at teardown."""
    pytester.makepyfile(_SUITE)
    result = run_pytest(pytester, *split)
    # One failure with both, and the passing test keeps its error at teardown.
    result.assert_outcomes(failed=1, passed=1, errors=1)
    out = result.stdout.str()
    failure = out[out.index("_ test_fails_and_leaks _") :]
    failure = failure[: failure.index("short test summary")]
    assert "the test's own failure" in failure
    assert "asynctoolkit checks also found" in failure
    assert "task 'leaked'" in failure
    assert "ERROR at teardown of test_fails_and_leaks" not in out
    assert "ERROR at teardown of test_passes_but_leaks" in out


def test_a_fixture_error_at_teardown_stays_its_own_report(pytester: pytest.Pytester) -> None:
    """Only the checks' findings join the failure; a fixture that breaks at teardown is an error."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken():
            yield
            raise RuntimeError("fixture broke")

        async def test_fails(broken):
            assert False, "own failure"
        """
    )
    result = run_pytest(pytester)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture broke*"])
