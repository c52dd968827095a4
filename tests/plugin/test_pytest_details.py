"""Canaries: the private pytest details the plugin relies on (asynctoolkit/_pytest_runs.py)."""

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
