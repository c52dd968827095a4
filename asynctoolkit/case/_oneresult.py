"""One report per test: a failure of the checks joins the test's own failure.

unittest reports each failing part of a test on its own: a test that fails
and whose checks then find something counts twice (``failures=2``), and
pytest says "1 failed, 1 error".  ``OneReport`` wraps the result of one
test: the first failure or error of the test is held until the test stops,
and a failure of the checks that comes after it is added to it (as a note
on Python 3.11+, as the exception's context on 3.10), so the test is reported
once, with both.  Every other call goes to the wrapped result unchanged.
"""

from __future__ import annotations

import sys
import unittest
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__: list[str] = []

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
# What unittest looks up on the result of each test with hasattr/getattr.
_ASKED = ("addSubTest", "addDuration") if sys.version_info >= (3, 12) else ("addSubTest",)

#: Set on the exception that reports the checks' findings.
CHECKS_MARK = "_asynctoolkit_checks"


class OneReport:
    """``result`` for ``test``, with the checks' failure merged into the test's own."""

    # The calls every passing test makes go straight to the wrapped result's
    # methods, bound in ``__init__`` (per-test cost, bench/bench_case.py);
    # the rest go through ``__getattr__``.
    startTest: Callable[[unittest.TestCase], None]
    addSuccess: Callable[[unittest.TestCase], None]

    def __init__(self, result: Any, test: unittest.TestCase) -> None:
        self._result = result
        self._test = test
        #: The test's first failure or error, held until the test stops.
        self.held: tuple[str, _ExcInfo] | None = None
        self.startTest = result.startTest
        self.addSuccess = result.addSuccess
        # unittest asks ``hasattr(result, "addSubTest")`` (and, from Python
        # 3.12, "addDuration") once per test: answered without __getattr__.
        for name in _ASKED:
            method = getattr(result, name, None)
            if method is not None:
                setattr(self, name, method)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)

    def addFailure(self, test: unittest.TestCase, err: _ExcInfo) -> None:
        self._add("addFailure", test, err)

    def addError(self, test: unittest.TestCase, err: _ExcInfo) -> None:
        self._add("addError", test, err)

    def stopTest(self, test: unittest.TestCase) -> None:
        if self.held is not None:
            self.flush()
        self._result.stopTest(test)

    def flush(self) -> None:
        """Report what is held (called when the test stops)."""
        held, self.held = self.held, None
        if held is not None:
            kind, err = held
            getattr(self._result, kind)(self._test, err)

    def _add(self, kind: str, test: unittest.TestCase, err: _ExcInfo) -> None:
        if test is not self._test:
            getattr(self._result, kind)(test, err)
            return
        checks = getattr(err[1], CHECKS_MARK, False)
        if self.held is None:
            if checks:  # the test itself passed: report the checks at once
                getattr(self._result, kind)(test, err)
            else:
                self.held = (kind, err)
            return
        if not checks:  # a second failure of the test's own (tearDown, a cleanup)
            self.flush()  # reported in the order they happened
            getattr(self._result, kind)(test, err)
            return
        held_kind, held_err = self.held
        self.held = (held_kind, _merge(held_err, err))


def _merge(test_err: _ExcInfo, checks_err: _ExcInfo) -> _ExcInfo:
    """The test's failure, carrying the checks' findings."""
    findings = f"The checks also found:\n{checks_err[1]}"
    if sys.version_info >= (3, 11):
        test_err[1].add_note(findings)
        return test_err
    # Python 3.10 has no notes: the findings come last, after the test's failure.
    checks_err[1].__context__ = test_err[1]
    return checks_err
