"""Suites written for pytest-asyncio, run without it: ``event_loop`` and the ``asyncio`` marker."""

from __future__ import annotations

import pytest

from tests.plugin._run import SPLITS, needs_pytest_asyncio, run_pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

_WITHOUT_PYTEST_ASYNCIO = ("-p", "no:asyncio", "-W", "error::pytest.PytestUnknownMarkWarning")


@pytest.mark.parametrize("split", SPLITS)
def test_a_suite_written_for_pytest_asyncio_runs_on_asynctoolkit_without_it(
    pytester: pytest.Pytester, split: list[str]
) -> None:
    """Before, ``event_loop`` was not found and the tests marked ``asyncio``
    failed with "async def functions are not natively supported".
    """
    pytester.makepyfile(
        """
        import asyncio, pytest

        pytestmark = pytest.mark.asyncio

        @pytest.fixture
        def queue(event_loop):
            # A synchronous fixture driving the loop, as such suites do.
            queue = asyncio.Queue()
            event_loop.run_until_complete(queue.put("ready"))
            return queue

        async def test_event_loop_is_the_test_loop(request, event_loop, loop, queue):
            assert "_asynctoolkit_harness" in request.fixturenames
            assert asyncio.get_running_loop() is event_loop is loop
            assert await queue.get() == "ready"

        @pytest.mark.asyncio(loop_scope="module")
        async def test_with_a_loop_scope_gets_its_own_loop_too(request, event_loop):
            assert asyncio.get_running_loop() is event_loop
            # The marker stays (-m asyncio selects the test), unused.
            assert request.node.get_closest_marker("asyncio").kwargs == {"loop_scope": "module"}

        async def test_the_checks_run():
            asyncio.get_running_loop().create_task(asyncio.sleep(60), name="left-behind")

        def test_a_sync_test_drives_event_loop(event_loop):
            assert event_loop.run_until_complete(asyncio.sleep(0, "done")) == "done"

        class TestInAClass:
            async def test_method(self, event_loop):
                assert asyncio.get_running_loop() is event_loop
        """
    )
    result = run_pytest(pytester, *_WITHOUT_PYTEST_ASYNCIO, *split)
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*pending_tasks*", "*task 'left-behind'*"])


@needs_pytest_asyncio
def test_event_loop_is_offered_only_while_pytest_asyncio_is_not_loaded(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    ours = "*The test's event loop, as ``loop`` (for suites written for pytest-asyncio < 1.0).*"
    without = pytester.runpytest_subprocess("-p", "no:asyncio", "--fixtures", timeout=300)
    without.stdout.fnmatch_lines([ours])
    beside = pytester.runpytest_subprocess("-p", "asyncio", "--fixtures", timeout=300)
    beside.stdout.no_fnmatch_line(ours)


def test_a_synchronous_fixture_moves_virtual_time_by_advance_or_autojump(
    pytester: pytest.Pytester,
) -> None:
    """What the migration guide shows: ``run_until_complete(asyncio.sleep(...))``
    on a manual clock stalls (StalledClockError at once); ``advance`` or autojump
    move the time.
    """
    pytester.makepyfile(
        """
        import asyncio, pytest
        from asynctoolkit.clock import StalledClockError

        class Session:
            def __init__(self, loop, ttl):
                self.expired = False
                loop.call_later(ttl, self.expire)

            def expire(self):
                self.expired = True

        @pytest.fixture
        def expired_session(event_loop):
            session = Session(event_loop, ttl=30)
            event_loop.run_until_complete(event_loop.advance(30))
            return session

        @pytest.mark.asynctoolkit(clock=True)
        def test_advance(expired_session, event_loop):
            assert expired_session.expired and event_loop.time() == 30

        @pytest.fixture
        def slept(event_loop):
            event_loop.run_until_complete(asyncio.sleep(30))
            return event_loop.time()

        @pytest.mark.asynctoolkit(clock="autojump")
        def test_autojump(slept):
            assert slept == 30

        @pytest.mark.asynctoolkit(clock=True, pending_tasks=False)
        def test_sleep_alone_stalls_a_manual_clock(event_loop):
            with pytest.raises(StalledClockError):
                event_loop.run_until_complete(asyncio.sleep(30))
            assert event_loop.time() == 0
        """
    )
    run_pytest(pytester, *_WITHOUT_PYTEST_ASYNCIO).assert_outcomes(passed=3)


_THEIR_SETTINGS = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
{debug}
"""


@pytest.mark.parametrize("debug", ["true", "false", None])
def test_pytest_asyncio_settings_are_known_without_it_and_asyncio_debug_is_honoured(
    pytester: pytest.Pytester, debug: str | None
) -> None:
    """Before, each setting was an unknown config option: a warning, and
    under ``--strict-config`` an error that failed the run.
    """
    line = "" if debug is None else f"asyncio_debug = {debug}"
    pytester.makeini(_THEIR_SETTINGS.format(debug=line))
    expected = debug == "true"
    pytester.makepyfile(
        f"""
        import asyncio, pytest

        async def test_unmarked():
            assert asyncio.get_running_loop().get_debug() is {expected}

        @pytest.mark.asyncio
        async def test_marked(event_loop):
            assert event_loop.get_debug() is {expected}

        @pytest.mark.asynctoolkit(clock=True)
        async def test_clocked(clock):
            assert clock.get_debug() is {expected}
        """
    )
    result = run_pytest(
        pytester,
        *_WITHOUT_PYTEST_ASYNCIO,
        "--strict-config",
        "-W",
        "error::pytest.PytestConfigWarning",
    )
    result.assert_outcomes(passed=3)
    result.stdout.no_fnmatch_line("*Unknown config option*")


@needs_pytest_asyncio
@pytest.mark.parametrize("how", ["ini", "option", "unset"])
def test_pytest_asyncio_debug_setting_puts_our_tests_loops_in_debug_mode_beside_it(
    pytester: pytest.Pytester, how: str
) -> None:
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    pytester.makeini(ini + ("asyncio_debug = true\n" if how == "ini" else ""))
    expected = how != "unset"
    pytester.makepyfile(
        f"""
        import asyncio, pytest

        @pytest.mark.asynctoolkit
        async def test_ours():
            assert asyncio.get_running_loop().get_debug() is {expected}

        @pytest.mark.asyncio
        async def test_theirs():
            assert asyncio.get_running_loop().get_debug() is {expected}

        async def test_unmarked_in_strict_mode(loop):
            assert loop.get_debug() is {expected}
        """
    )
    option = ["--asyncio-debug"] if how == "option" else []
    run_pytest(pytester, "-p", "asyncio", *option).assert_outcomes(passed=3)


@needs_pytest_asyncio
@pytest.mark.parametrize("plugins", [["-p", "asyncio"], ["-p", "no:asyncio"]])
def test_the_parsers_kept_for_pytest_asyncio_settings_go_with_their_runs(
    pytester: pytest.Pytester, plugins: list[str]
) -> None:
    # Before, a run with pytest-asyncio loaded kept its parser, and with it
    # its whole configuration, for the rest of the process (in-process runs).
    import gc

    from asynctoolkit import _pytest_asyncio

    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile("def test_sync(): pass")
    for _ in range(2):
        pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider", *plugins)
    gc.collect()
    assert len(_pytest_asyncio._parsers) == 0
