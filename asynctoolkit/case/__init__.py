"""Test cases that give every test its own event loop, and check it afterwards.

``TestCase`` is a ``unittest.TestCase`` whose setUp, test, tearDown and
cleanups may be coroutine functions.  Each test gets a fresh loop (or the
class's shared loop with ``use_default_loop = True``), set as the current loop
while the test runs, and one ``contextvars.Context`` for all of its phases.
After the cleanups, the checks chosen with ``fail_on`` look at what the test
left behind (pending tasks, unhandled exceptions, unawaited coroutines, ...)
and fail *that* test with a message naming the culprit.

A suite written for ``asynctest.TestCase`` or ``unittest.IsolatedAsyncioTestCase``
runs unchanged once its import points here.  The life of one test is a
``TestRun`` (``asynctoolkit/case/_run.py``); ``_testcase.py`` maps unittest's
hooks onto it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynctoolkit._shared import lazy
from asynctoolkit.case._decorators import fail_on, ignore_loop, lenient, strict, timeout

if TYPE_CHECKING:
    from asynctoolkit.case._clocked import ClockedTestCase
    from asynctoolkit.case._explore import explore
    from asynctoolkit.case._testcase import FunctionTestCase, TestCase

__all__ = [
    "ClockedTestCase",
    "FunctionTestCase",
    "TestCase",
    "explore",
    "fail_on",
    "ignore_loop",
    "lenient",
    "strict",
    "timeout",
]

# Imported on first use: the pytest plugin's async test functions need none
# of them (start-up, bench/bench_pytest.py), most runs explore nothing, and
# ``import asynctoolkit`` stays cheaper.
_SOURCES = {
    "TestCase": "_testcase",
    "FunctionTestCase": "_testcase",
    "ClockedTestCase": "_clocked",
    "explore": "_explore",
}


__getattr__, __dir__ = lazy.names(__name__, globals(), _SOURCES)
