"""The ``assert_*await*`` methods of AsyncMock and CoroutineMock.

They mirror ``unittest.mock.AsyncMock``'s (same names, same matching: a mock
with a spec compares calls through the spec's signature, ``ANY`` matches
anything, same first words in failure messages), and their failure messages
add what a person debugging needs:
the awaits that did happen, and the calls whose coroutine was never awaited
(the usual cause of "expected to have been awaited": a missing ``await``).
"""

from __future__ import annotations

import unittest.mock as _um
from typing import Any

from asynctoolkit.mock._awaited import never_awaited_calls
from asynctoolkit.mock._support import (
    Call,
    CallList,
    any_comparer,
    call_matcher,
    format_call,
    own_name,
)

__all__: list[str] = []


class AwaitAssertions(_um.NonCallableMock):
    """Mixed into AsyncMock, which provides ``await_count``, ``await_args`` and
    ``await_args_list``.  Each failure message starts with the standard
    library's words, then adds the notes."""

    def _atk_name(self) -> str:
        return own_name(self) or "mock"  # what the standard messages call the mock

    def assert_awaited(self) -> None:
        """Assert that the mock was awaited at least once."""
        if self.await_count == 0:
            raise AssertionError(
                f"Expected {self._atk_name()} to have been awaited." + _notes(self)
            )

    def assert_awaited_once(self) -> None:
        """Assert that the mock was awaited exactly once."""
        if self.await_count != 1:
            raise AssertionError(
                f"Expected {self._atk_name()} to have been awaited once. "
                f"Awaited {self.await_count} times." + _notes(self)
            )

    def assert_awaited_with(self, /, *args: Any, **kwargs: Any) -> None:
        """Assert that the last await was of a call with these arguments."""
        if self.await_args is None:
            expected_text = format_call(self, args, kwargs)
            raise AssertionError(f"Expected await: {expected_text}\nNot awaited" + _notes(self))
        expected: Any = call_matcher(self, Call((args, kwargs), two=True))
        actual = call_matcher(self, self.await_args)
        if actual != expected:
            cause = expected if isinstance(expected, Exception) else None
            expected_text = format_call(self, args, kwargs)
            actual_text = format_call(self, *self.await_args)
            raise AssertionError(
                f"expected await not found.\nExpected: {expected_text}\n  Actual: {actual_text}"
                + _notes(self)
            ) from cause

    def assert_awaited_once_with(self, /, *args: Any, **kwargs: Any) -> None:
        """Assert that the mock was awaited exactly once, with these arguments."""
        if self.await_count != 1:
            raise AssertionError(
                f"Expected {self._atk_name()} to have been awaited once. "
                f"Awaited {self.await_count} times." + _notes(self)
            )
        self.assert_awaited_with(*args, **kwargs)

    def assert_any_await(self, /, *args: Any, **kwargs: Any) -> None:
        """Assert that some await (not only the last) was of a call with these arguments."""
        expected: Any = call_matcher(self, Call((args, kwargs), two=True))
        cause = expected if isinstance(expected, Exception) else None
        actual = [call_matcher(self, c) for c in self.await_args_list]
        if cause is not None or expected not in any_comparer(actual):
            expected_text = format_call(self, args, kwargs)
            raise AssertionError(f"{expected_text} await not found" + _notes(self)) from cause

    def assert_has_awaits(self, calls: Any, any_order: bool = False) -> None:
        """Assert that ``calls`` were awaited: in this order (other awaits may
        come before, after, not between), or in any order with ``any_order``."""
        expected: list[Any] = [call_matcher(self, c) for c in calls]
        cause = next((e for e in expected if isinstance(e, Exception)), None)
        awaits = CallList(call_matcher(self, c) for c in self.await_args_list)
        if not any_order:
            if expected not in awaits:
                problem = "Awaits not found."
                if cause is not None:
                    errors = [e if isinstance(e, Exception) else None for e in expected]
                    problem = f"Error processing expected awaits.\nErrors: {errors}"
                raise AssertionError(
                    f"{problem}\nExpected: {CallList(calls)}\n"
                    f"Actual: {self.await_args_list}" + _notes(self, awaits=False)
                ) from cause
            return
        remaining = list(awaits)
        missing = []
        for kall in expected:
            try:
                remaining.remove(kall)
            except ValueError:
                missing.append(kall)
        if missing:
            raise AssertionError(
                f"{tuple(missing)!r} not all found in await list" + _notes(self)
            ) from cause

    def assert_not_awaited(self) -> None:
        """Assert that the mock was never awaited."""
        if self.await_count != 0:
            raise AssertionError(
                f"Expected {self._atk_name()} to not have been awaited. "
                f"Awaited {self.await_count} times." + _notes(self)
            )


def _notes(mock: Any, *, awaits: bool = True) -> str:
    """The awaits made and the calls still not awaited, for assertion messages."""
    text = ""
    if awaits and mock.await_args_list:
        text += f"\nAwaits: {list(mock.await_args_list)!r}."
    pending = never_awaited_calls(mock)
    if pending:
        text += f"\nCalled but not awaited: {pending!r}."
    return text
