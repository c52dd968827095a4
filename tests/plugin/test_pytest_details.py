"""Canaries: the private pytest details the plugin relies on (asynctoolkit/_pytest_runs.py,
and the assertion-rewriting hook asynctoolkit/pytest_plugin.py imports its modules without)."""

from __future__ import annotations

import inspect

import pytest


def test_runtestprotocol_runs_an_item_without_logging(pytester: pytest.Pytester) -> None:
    """``_pytest.runner.runtestprotocol(item, log, nextitem)`` returns the phases' reports."""
    from _pytest.runner import runtestprotocol

    assert list(inspect.signature(runtestprotocol).parameters) == ["item", "log", "nextitem"]
    pytester.makeconftest(
        """
        import pytest
        from _pytest.runner import runtestprotocol

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_protocol(item, nextitem):
            reports = runtestprotocol(item, log=False, nextitem=nextitem)
            assert [r.when for r in reports] == ["setup", "call", "teardown"]
            assert reports[1].failed
            return True
        """
    )
    pytester.makepyfile("def test_one(): assert False")
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    assert result.ret == 0  # nothing was logged: no failure counted


def test_the_session_setup_state_tears_down_exactly(pytester: pytest.Pytester) -> None:
    """``session._setupstate.teardown_exact(nextitem)`` finalises what nextitem does not share."""
    pytester.makepyfile("def test_one(): pass")
    items, _ = pytester.inline_genitems()
    state = items[0].session._setupstate
    assert list(inspect.signature(state.teardown_exact).parameters) == ["nextitem"]
    assert callable(state.setup)


def test_a_failure_report_takes_a_section() -> None:
    """``ExceptionRepr.addsection``: what the plugin prints under a failure."""
    from _pytest._code.code import ExceptionChainRepr

    assert callable(ExceptionChainRepr.addsection)


def test_an_item_s_teardown_runs_after_its_finalizers_and_before_its_module_s(
    pytester: pytest.Pytester,
) -> None:
    """``item.setup()`` runs before its fixtures; ``item.teardown()`` after their finalizers.

    The plugin starts a test's run in the item's ``setup`` and ends it in its
    ``teardown`` (asynctoolkit/_pytest_runs.py): pytest calls a node's
    ``setup()`` once it is on the setup stack, and its ``teardown()`` as the
    node's first finalizer, so after every one registered on it since.
    """
    pytester.makeconftest(
        """
        import pytest

        EVENTS = []

        def pytest_collection_modifyitems(items):
            for item in items:
                setup, teardown = item.setup, item.teardown
                def wrapped_setup(setup=setup):
                    EVENTS.append("item setup")
                    setup()
                def wrapped_teardown(teardown=teardown):
                    EVENTS.append("item teardown")
                    teardown()
                item.setup = wrapped_setup
                item.teardown = wrapped_teardown

        @pytest.fixture(scope="module")
        def wide():
            EVENTS.append("module fixture")
            yield
            EVENTS.append("module finalised")

        @pytest.fixture
        def narrow(wide):
            EVENTS.append("function fixture")
            yield
            EVENTS.append("function finalised")

        def pytest_sessionfinish():
            assert EVENTS == [
                "item setup", "module fixture", "function fixture",
                "function finalised", "item teardown", "module finalised",
            ], EVENTS
        """
    )
    pytester.makepyfile("def test_one(narrow): pass")
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:asynctoolkit")
    result.assert_outcomes(passed=1)
    assert result.ret == 0  # the order asserted at the end of the session held


def test_function_setup_leaves_the_values_already_in_funcargs(pytester: pytest.Pytester) -> None:
    """``Function.setup()`` sets up only the fixtures not already in ``item.funcargs``.

    The plugin puts a test's run there under the harness fixture's name.
    """
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def given():
            raise AssertionError("set up although its value was given")

        def pytest_collection_modifyitems(items):
            for item in items:
                setup = item.setup
                def given_then_setup(item=item, setup=setup):
                    item.funcargs["given"] = "value"
                    setup()
                item.setup = given_then_setup
        """
    )
    pytester.makepyfile(
        """
        def test_one(given):
            assert given == "value"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:asynctoolkit")
    result.assert_outcomes(passed=1)


def test_the_plugin_s_modules_skip_the_assertion_rewriting_hook(pytester: pytest.Pytester) -> None:
    """pytest's hook is a finder of class ``_pytest.assertion.rewrite.AssertionRewritingHook``
    in ``sys.meta_path``: the plugin imports its modules without it (before, each
    one cost about 2.5M instructions more), and the test modules still get it."""
    from _pytest.assertion.rewrite import AssertionRewritingHook

    assert AssertionRewritingHook.__module__ == "_pytest.assertion.rewrite"
    pytester.makeconftest(
        """
        import sys

        def pytest_unconfigure(config):
            hooked = sorted(
                name
                for name, module in list(sys.modules.items())
                if name.startswith("asynctoolkit")
                and type(getattr(module, "__loader__", None)).__name__
                == "AssertionRewritingHook"
            )
            print("\\nhooked:", " ".join(hooked))
            print("ours:", sum(name.startswith("asynctoolkit") for name in sys.modules))
            print("in meta_path:", sum(
                type(f).__name__ == "AssertionRewritingHook" for f in sys.meta_path
            ))
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from asynctoolkit import CoroutineMock, TestCase

        async def test_async():
            pass

        @pytest.mark.asynctoolkit(clock=True)
        async def test_clocked():
            pass

        def test_rewritten():
            left, right = 1, 2
            assert left == right

        class TestOnTestCase(TestCase):  # its modules are imported on first use
            async def test_case(self):
                await CoroutineMock()()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:asyncio", "-s")
    result.assert_outcomes(passed=3, failed=1)
    # Only the package and the plugin module, imported by pytest itself: not
    # those of TestCase and the mocks, imported on the test module's first use.
    result.stdout.fnmatch_lines(["hooked: asynctoolkit asynctoolkit.pytest_plugin"])
    ours = int(next(line for line in result.outlines if line.startswith("ours:")).split()[1])
    assert ours > 30  # the checks, the clock and the rest were imported all the same
    result.stdout.fnmatch_lines(["*assert 1 == 2*"])  # the test module is rewritten
    result.stdout.fnmatch_lines(["in meta_path: 1"])  # the hook is back in place
