"""The assertions ``TestCase`` adds to unittest's: awaited raises and warnings,
and Twisted trial's result inspection of futures, tasks and coroutines."""

from __future__ import annotations

import re
import unittest
from collections.abc import Awaitable
from typing import Any, TypeVar

from asynctoolkit.case import _results

__all__: list[str] = []

# unittest leaves frames of modules that define ``__unittest`` out of tracebacks.
__unittest = True

_T = TypeVar("_T")
_E = TypeVar("_E", bound=BaseException)


class AsyncAssertions(unittest.TestCase):
    """The assertion methods of ``asynctoolkit.TestCase``."""

    async def assertAsyncRaises(
        self, exception: type[_E] | tuple[type[_E], ...], awaitable: Awaitable[object]
    ) -> _results.RaisedContext[_E]:
        """Await ``awaitable`` and assert it raises ``exception``.

        Returns an object whose ``exception`` attribute is what was raised.
        Unlike ``with self.assertRaises(...)``, the frames of the traceback
        are not cleared: clearing them would close the suspended coroutines of
        other tasks whose frames the exception passed through (a worker that
        set it on a future, for instance).
        """
        return _results.RaisedContext(await self._await_raising(exception, awaitable))

    async def assertAsyncRaisesRegex(
        self,
        exception: type[_E] | tuple[type[_E], ...],
        regex: str | re.Pattern[str],
        awaitable: Awaitable[object],
    ) -> _results.RaisedContext[_E]:
        """Like ``assertAsyncRaises``; ``regex`` must also match ``str(exception)``."""
        raised = await self._await_raising(exception, awaitable)
        pattern = re.compile(regex) if isinstance(regex, str) else regex
        if not pattern.search(str(raised)):
            self.fail(f'"{pattern.pattern}" does not match "{raised}"')
        return _results.RaisedContext(raised)

    async def _await_raising(
        self, exception: type[_E] | tuple[type[_E], ...], awaitable: Awaitable[object]
    ) -> _E:
        try:
            await awaitable
        except exception as raised:
            return raised
        names = (
            exception.__name__
            if isinstance(exception, type)
            else " or ".join(e.__name__ for e in exception)
        )
        self.fail(f"{names} not raised by {_results.describe_awaitable(awaitable)}")

    async def assertAsyncWarns(
        self, warning: type[Warning] | tuple[type[Warning], ...], awaitable: Any
    ) -> Any:
        """Await ``awaitable`` and assert it triggers ``warning``; returns the context."""
        with self.assertWarns(warning) as context:
            await awaitable
        return context

    async def assertAsyncWarnsRegex(
        self, warning: type[Warning] | tuple[type[Warning], ...], regex: str, awaitable: Any
    ) -> Any:
        """Like ``assertAsyncWarns``; ``regex`` must also match the warning message."""
        with self.assertWarnsRegex(warning, regex) as context:
            await awaitable
        return context

    def assertRaises(self, expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        """As ``unittest.TestCase.assertRaises``, without clearing traceback frames.

        unittest clears the frames of the caught exception's traceback, which
        on Python 3.10 to 3.12 closes the suspended coroutine of any other
        task the traceback ran through; this version leaves them alone.
        """
        return _results.RaisesContext(self, expected_exception).handle(args, kwargs)

    def assertRaisesRegex(
        self, expected_exception: Any, expected_regex: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """As ``unittest.TestCase.assertRaisesRegex``, without clearing traceback frames."""
        context = _results.RaisesContext(self, expected_exception, expected_regex)
        return context.handle(args, kwargs)

    def successResultOf(self, awaitable: Awaitable[_T]) -> _T:
        """The result of a finished future, task or coroutine, without running the loop.

        Fails the test if it is still pending or ended with an exception.  A
        coroutine is run synchronously up to its first suspension (and closed
        if it suspends).
        """
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "pending":
            self.fail(f"{what} has no result yet: it is still pending")
        if state == "failed":
            self.fail(f"{what} failed instead of succeeding: {type(value).__name__}: {value}")
        result: _T = value
        return result

    def failureResultOf(
        self, awaitable: Awaitable[object], *expected_types: type[BaseException]
    ) -> BaseException:
        """The exception of a future, task or coroutine that failed (or was cancelled).

        Fails the test if it is pending, succeeded, or (with ``expected_types``)
        failed with another type.
        """
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "pending":
            self.fail(f"{what} has no result yet: it is still pending")
        if state == "succeeded":
            self.fail(f"{what} succeeded with {value!r} instead of failing")
        if expected_types and not isinstance(value, expected_types):
            names = ", ".join(t.__name__ for t in expected_types)
            self.fail(
                f"{what} failed with {type(value).__name__}: {value}, expected one of: {names}"
            )
        assert isinstance(value, BaseException)
        return value

    def assertNoResult(self, awaitable: Awaitable[object]) -> None:
        """Assert a future, task or coroutine has neither succeeded nor failed yet."""
        state, value = _results.settle_now(awaitable)
        what = _results.describe_awaitable(awaitable)
        if state == "succeeded":
            self.fail(f"{what} already has a result: {value!r}")
        if state == "failed":
            self.fail(f"{what} already failed: {type(value).__name__}: {value}")
