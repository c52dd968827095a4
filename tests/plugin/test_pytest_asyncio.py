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


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_an_unmarked_async_test_asking_for_our_loop_is_ours_in_both_modes(
    pytester: pytest.Pytester, mode: str
) -> None:
    """Before, auto mode took it anyway: the async fixture it asked for before
    ``loop`` failed with "requested outside an async test run by asynctoolkit".
    """
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import asyncio, pytest

        @pytest.fixture
        async def fixture_loop():
            return asyncio.get_running_loop()

        async def test_asks_for_loop(request, fixture_loop, loop):
            assert "_asynctoolkit_harness" in request.fixturenames
            assert asyncio.get_running_loop() is loop is fixture_loop

        async def test_asks_for_clock(clock):
            await clock.advance(10)
            assert clock.time() == 10
        """
    )
    result = run_pytest(pytester, "-p", "asyncio", f"--asyncio-mode={mode}")
    result.assert_outcomes(passed=2)


def test_a_test_marked_asyncio_asking_for_our_loop_is_told_to_choose(
    pytester: pytest.Pytester,
) -> None:
    """Before, asynctoolkit ran it on its loop after pytest-asyncio had set up
    its own, and its async fixtures failed with a misleading error.
    """
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import asyncio, pytest

        @pytest.mark.asyncio
        async def test_marked(loop):
            pass
        """
    )
    result = run_pytest(pytester, "-p", "asyncio")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_marked is marked asyncio, so pytest-asyncio runs it on its own loop, but it "
            "asks for asynctoolkit's loop*mark it @pytest.mark.asynctoolkit instead*"
        ]
    )


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


@pytest.mark.parametrize("split", SPLITS)
def test_a_wider_scoped_async_fixture_refused_to_asynctoolkit_stays_usable_by_pytest_asyncio(
    pytester: pytest.Pytester, split: list[str]
) -> None:
    """Before, the refusal left the fixture half set up in pytest: every later
    test requesting it, pytest-asyncio's too, errored with a bare AssertionError.
    """
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import pytest, pytest_asyncio

        @pytest_asyncio.fixture(scope="module", loop_scope="module")
        async def shared():
            return "made once"

        async def test_ours_refused(shared):
            pass

        @pytest.mark.asyncio(loop_scope="module")
        async def test_theirs(shared):
            assert shared == "made once"

        async def test_ours_refused_again(shared):
            pass

        @pytest.mark.asyncio(loop_scope="module")
        async def test_theirs_again(shared):
            assert shared == "made once"
        """
    )
    result = run_pytest(pytester, "-p", "asyncio", "-rA", *split)
    result.assert_outcomes(passed=2, errors=2)
    for test in ("test_ours_refused", "test_ours_refused_again"):
        result.stdout.fnmatch_lines(
            [
                f"*ERROR at setup of {test} *",
                "E *UsageError: async fixture 'shared' has scope 'module'*",
            ]
        )
    result.stdout.no_fnmatch_line("*AssertionError*")


def test_a_plain_async_fixture_that_strict_mode_leaves_to_pytest_troubles_no_other_test(
    pytester: pytest.Pytester,
) -> None:
    """What the migration guide says: in strict mode pytest-asyncio does not run
    a plain ``@pytest.fixture`` async fixture for its tests (pytest 9 fails the
    test, pytest 8 hands it the coroutine); the tests that do not request it,
    and asynctoolkit's tests that do, are not affected.
    """
    pytester.makeini(_INI.format(extra=""))
    pytester.makepyfile(
        """
        import asyncio, pytest

        @pytest.fixture
        async def plain():
            return asyncio.get_running_loop()

        async def test_ours(plain, loop):
            assert plain is loop

        @pytest.mark.asyncio
        async def test_theirs(plain):
            assert plain is asyncio.get_running_loop()

        async def test_ours_unrelated():
            await asyncio.sleep(0)

        @pytest.mark.asyncio
        async def test_theirs_unrelated():
            await asyncio.sleep(0)

        def test_sync_unrelated():
            pass
        """
    )
    result = run_pytest(pytester, "-p", "asyncio", "--asyncio-mode=strict", "-rA")
    result.stdout.fnmatch_lines(
        [
            "PASSED *::test_ours",
            "PASSED *::test_ours_unrelated",
            "PASSED *::test_theirs_unrelated",
            "PASSED *::test_sync_unrelated",
        ],
        consecutive=False,
    )
    result.stdout.no_fnmatch_line("PASSED *::test_theirs")
    assert result.parseoutcomes()["passed"] == 4
