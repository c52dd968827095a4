"""Beside pytest-asyncio: who runs which test, the report header, shared async fixtures."""

from __future__ import annotations

import pytest

from tests.plugin._run import SPLITS, needs_pytest_asyncio, run_pytest

pytestmark = [
    needs_pytest_asyncio,
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
{extra}
"""

# Unmarked async tests that pass only on asynctoolkit's loop, one that fails
# only asynctoolkit's checks, and pytest-asyncio's own tests beside them.
_MIXED_SUITE = """
import asyncio, pytest
from asynctoolkit.clock import ClockedEventLoop

OURS = "_asynctoolkit_harness"

@pytest.fixture
async def fixture_loop():
    return asyncio.get_running_loop()

@pytest.fixture
async def served():
    task = asyncio.get_running_loop().create_task(asyncio.sleep(3600))
    yield asyncio.get_running_loop()
    task.cancel()

async def test_unmarked(request, loop, fixture_loop, served):
    assert OURS in request.fixturenames
    assert asyncio.get_running_loop() is loop is fixture_loop is served

async def test_unmarked_clocked(clock):
    await asyncio.sleep(3600) if clock.autojump else await clock.advance(3600)
    assert clock.time() == 3600

@pytest.mark.parametrize("n", [1, 2])
async def test_unmarked_parametrized(n, loop):
    assert asyncio.get_running_loop() is loop

async def test_unmarked_leaks_a_task():
    asyncio.get_running_loop().create_task(asyncio.sleep(60), name="leaked-in-auto-mode")

class TestUnmarked:
    async def test_method(self, request, loop, fixture_loop):
        assert OURS in request.fixturenames and fixture_loop is loop

@pytest.mark.asyncio
async def test_theirs(request, fixture_loop):
    assert OURS not in request.fixturenames
    assert asyncio.get_running_loop() is fixture_loop

@pytest.mark.asyncio
class TestTheirs:
    async def test_method(self, request):
        assert OURS not in request.fixturenames
        assert not isinstance(asyncio.get_running_loop(), ClockedEventLoop)
"""


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize(
    ("ini", "option"),
    [
        pytest.param("asynctoolkit_unmarked = asynctoolkit", [], id="ini"),
        pytest.param("", ["--asynctoolkit-unmarked=asynctoolkit"], id="option"),
    ],
)
def test_the_setting_gives_unmarked_async_tests_to_asynctoolkit_in_auto_mode(
    pytester: pytest.Pytester, ini: str, option: list[str], split: list[str]
) -> None:
    """Before, pytest-asyncio's auto mode ran every unmarked async test, without checks."""
    pytester.makeini(_INI.format(extra=ini))
    pytester.makepyfile(_MIXED_SUITE)
    result = run_pytest(pytester, "-p", "asyncio", "--asyncio-mode=auto", *option, *split)
    # The leak is an error at teardown: its body counts as passed too.
    result.assert_outcomes(passed=8, errors=1)
    result.stdout.fnmatch_lines(["*pending_tasks*", "*task 'leaked-in-auto-mode'*"])


def test_without_the_setting_auto_mode_keeps_unmarked_async_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import asyncio, pytest

        async def test_theirs(request):
            assert "_asynctoolkit_harness" not in request.fixturenames
            asyncio.get_running_loop().create_task(asyncio.sleep(60))  # no check

        @pytest.mark.asynctoolkit
        async def test_ours(request):
            assert "_asynctoolkit_harness" in request.fixturenames
        """
    )
    run_pytest(pytester, "-p", "asyncio", "--asyncio-mode=auto").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("args", "ini", "line"),
    [
        pytest.param(
            ["-p", "no:asyncio"],
            "",
            "asynctoolkit: unmarked async tests are run by asynctoolkit "
            "(pytest-asyncio is not loaded)",
            id="without-pytest-asyncio",
        ),
        pytest.param(
            ["-p", "asyncio", "--asyncio-mode=strict"],
            "",
            "asynctoolkit: unmarked async tests are run by asynctoolkit "
            "(pytest-asyncio's asyncio_mode is strict)",
            id="strict",
        ),
        pytest.param(
            ["-p", "asyncio", "--asyncio-mode=auto"],
            "",
            "asynctoolkit: unmarked async tests are run by pytest-asyncio (its asyncio_mode "
            "is auto); asynctoolkit_unmarked = asynctoolkit runs them on asynctoolkit",
            id="auto",
        ),
        pytest.param(
            ["-p", "asyncio", "--asyncio-mode=auto"],
            "asynctoolkit_unmarked = asynctoolkit",
            "asynctoolkit: unmarked async tests are run by asynctoolkit "
            "(asynctoolkit_unmarked = asynctoolkit)",
            id="auto-with-the-setting",
        ),
    ],
)
def test_the_report_header_says_who_runs_unmarked_async_tests(
    pytester: pytest.Pytester, args: list[str], ini: str, line: str
) -> None:
    pytester.makeini(_INI.format(extra=ini))
    pytester.makepyfile("def test_nothing(): pass")
    result = run_pytest(pytester, *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([line])


def test_a_misspelt_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(_INI.format(extra="asynctoolkit_unmarked = asyncio"))
    pytester.makepyfile("def test_nothing(): pass")
    result = run_pytest(pytester, "-p", "asyncio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*asynctoolkit_unmarked = 'asyncio'*use 'pytest-asyncio' or 'asynctoolkit'*"]
    )


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_marked_tests_keep_their_plugin_in_both_modes(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import asyncio, pytest, pytest_asyncio

        @pytest_asyncio.fixture
        async def declared_for_pytest_asyncio():
            return asyncio.get_running_loop()

        @pytest.fixture
        async def plain():
            return asyncio.get_running_loop()

        @pytest.mark.asyncio
        async def test_theirs(request, declared_for_pytest_asyncio):
            assert "_asynctoolkit_harness" not in request.fixturenames
            assert asyncio.get_running_loop() is declared_for_pytest_asyncio

        @pytest.mark.asynctoolkit
        async def test_ours(request, loop, declared_for_pytest_asyncio, plain):
            assert "_asynctoolkit_harness" in request.fixturenames
            assert asyncio.get_running_loop() is loop
            # Its async fixtures run on its loop, however they were declared.
            assert declared_for_pytest_asyncio is loop and plain is loop
        """
    )
    result = run_pytest(pytester, "-p", "asyncio", f"--asyncio-mode={mode}")
    result.assert_outcomes(passed=2)
