"""The pytest plugin, through pytester: plain async tests, fixtures, markers, xdist.

Beside pytest-asyncio, and the names shared with it: ``tests/plugin/``.
"""

from __future__ import annotations

import importlib.util

import pytest

HAS_XDIST = importlib.util.find_spec("xdist") is not None

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", *args, timeout=300
    )


def test_plain_async_tests_run_on_their_own_loop(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        loops = []

        async def test_one(loop):
            assert asyncio.get_running_loop() is loop
            loops.append(loop)
            await asyncio.sleep(0)

        async def test_two(loop):
            loops.append(loop)
            assert loops[0] is not loop
            assert loops[0].is_closed()

        def test_sync_tests_are_untouched():
            pass
        """
    )
    _run(pytester).assert_outcomes(passed=3)


def test_a_leak_fails_the_test_at_teardown_naming_the_task(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        async def test_leaks():
            asyncio.get_running_loop().create_task(asyncio.sleep(60), name="leaked-one")

        @pytest.mark.asynctoolkit(pending_tasks=False)
        async def test_allowed():
            asyncio.get_running_loop().create_task(asyncio.sleep(60))
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*pending_tasks*", "*task 'leaked-one' running sleep()*"])


def test_async_fixtures_share_the_test_loop_and_context(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, contextvars, pytest
        var = contextvars.ContextVar("var", default="unset")
        events = []

        @pytest.fixture
        async def value():
            var.set("fixture")
            return asyncio.get_running_loop()

        @pytest.fixture
        async def server():
            task = asyncio.get_running_loop().create_task(asyncio.sleep(3600))
            yield task
            task.cancel()
            events.append("server closed")

        async def test_it(loop, value, server):
            assert value is loop
            assert var.get() == "fixture"
            assert not server.done()

        def test_after():
            assert events == ["server closed"]
        """
    )
    _run(pytester).assert_outcomes(passed=2)


def test_wider_scoped_async_fixture_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="module")
        async def shared():
            return 1

        async def test_it(shared):
            pass
        """
    )
    result = _run(pytester)
    result.stdout.fnmatch_lines(["*must be function-scoped*"])
    assert result.ret != 0


def test_timeout_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        @pytest.mark.asynctoolkit(timeout=0.2)
        async def test_hangs():
            await asyncio.Event().wait()
        """
    )
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*limit of 0.2s*"])


def test_bad_marker_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asynctoolkit(pending_task=False)
        async def test_it():
            pass
        """
    )
    result = _run(pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown check(s) pending_task*"])


@pytest.mark.skipif(not HAS_XDIST, reason="pytest-xdist is not installed")
def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        async def test_a(loop):
            await asyncio.sleep(0)

        async def test_b(loop):
            await asyncio.sleep(0)

        async def test_c():
            asyncio.get_running_loop().create_task(asyncio.sleep(60))
        """
    )
    # A failed check is a teardown error: the test counts as passed and errored.
    _run(pytester, "-p", "xdist", "-n", "2").assert_outcomes(passed=3, errors=1)


def test_clock_fixture_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest
        from asynctoolkit.clock import ClockedEventLoop

        async def test_manual(clock):
            assert isinstance(asyncio.get_running_loop(), ClockedEventLoop)
            seen = []
            clock.call_later(2, lambda: seen.append(clock.time()))
            await clock.advance(5)
            assert seen == [2] and clock.time() == 5

        @pytest.mark.asynctoolkit(clock="autojump")
        async def test_autojump(loop):
            await asyncio.sleep(86400)
            assert loop.time() == 86400

        @pytest.mark.asynctoolkit(clock=True)
        async def test_stalled():
            await asyncio.sleep(10)
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*advance*"])


def test_decorators_and_patch_arguments_are_kept(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helper="""
        async def fetch(url):
            return "real:" + url
        """
    )
    pytester.makepyfile(
        """
        import asyncio, functools
        import helper
        from asynctoolkit.mock import AsyncMock, patch

        CALLED = []

        def traced(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):
                CALLED.append(fn.__name__)
                return await fn(*args, **kwargs)
            return wrapper

        @traced
        async def test_a_decorated(loop):
            await asyncio.sleep(0)

        def test_b_the_decorator_ran():
            assert CALLED == ["test_a_decorated"]

        @patch("helper.fetch", return_value="mocked")
        async def test_patched(fetch, loop):
            assert isinstance(fetch, AsyncMock)
            assert await helper.fetch("x") == "mocked"

        @patch("helper.fetch")
        def test_patched_sync(fetch):
            assert isinstance(fetch, AsyncMock)
        """
    )
    _run(pytester).assert_outcomes(passed=4)


def test_async_fixtures_of_a_test_class_share_the_test_instance(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        class TestService:
            @pytest.fixture
            async def service(self):
                self.started = True
                await asyncio.sleep(0)
                yield "svc"
                self.started = False

            async def test_it(self, service, loop):
                assert service == "svc"
                assert self.started
        """
    )
    _run(pytester).assert_outcomes(passed=1)


def test_markers_of_module_and_test_add_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        pytestmark = pytest.mark.asynctoolkit(clock="autojump")

        @pytest.mark.asynctoolkit(pending_tasks=False)
        async def test_it(loop):
            asyncio.get_running_loop().create_task(asyncio.sleep(10))
            await asyncio.sleep(3600)  # autojump from the module's marker
            assert loop.time() == 3600
        """
    )
    _run(pytester).assert_outcomes(passed=1)


def test_a_sync_test_asking_for_loop_has_it_current_and_gets_the_checks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import asyncio

        def test_drives_the_loop(loop):
            assert asyncio.get_event_loop() is loop
            assert loop.run_until_complete(asyncio.sleep(0, "done")) == "done"

        def test_leaves_a_task(loop):
            loop.create_task(asyncio.sleep(60), name="left-by-a-sync-test")
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*pending_tasks*", "*task 'left-by-a-sync-test'*"])


def test_hypothesis_runs_async_examples_through_asynctoolkit_function(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import asynctoolkit
        from hypothesis import given, settings, strategies as st

        LOOPS = set()

        @settings(max_examples=5, deadline=None)
        @given(st.integers())
        @asynctoolkit.function
        async def test_each_example_has_its_own_loop(number):
            LOOPS.add(asyncio.get_running_loop())
            await asyncio.sleep(0)

        def test_after():
            assert len(LOOPS) >= 2
        """
    )
    _run(pytester).assert_outcomes(passed=2)


def test_the_module_pytest_loads_carries_every_hook_and_fixture() -> None:
    # pytest registers asynctoolkit.pytest_plugin; its hooks and fixtures are
    # written in _pytest_hooks.py and listed in its __all__: one left out of
    # the list would silently never run.
    import asynctoolkit._pytest_hooks as hooks
    import asynctoolkit.pytest_plugin as plugin

    def is_fixture(value: object) -> bool:
        # pytest 8.4 wraps a fixture function; earlier ones mark the function.
        return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(
            value, "_pytestfixturefunction"
        )

    defined = {
        name
        for name, value in vars(hooks).items()
        if getattr(value, "__module__", None) == hooks.__name__
        and (name.startswith("pytest_") or is_fixture(value))
    }
    assert {"loop", "clock", "_asynctoolkit_harness", "pytest_configure"} <= defined
    assert defined == set(hooks.__all__)
    for name in defined:
        assert getattr(plugin, name) is getattr(hooks, name), name
