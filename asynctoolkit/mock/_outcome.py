"""What calling our mocks gives: the coroutine of an async mock's call, and async iterators.

A call of ``AsyncMock`` or ``CoroutineMock`` records the call and returns a
coroutine; that coroutine records the await when it starts running, then
works out the outcome from ``side_effect``, ``return_value`` and ``wraps``.
The two classes differ in one rule, each keeping its users' expectations:

* ``AsyncMock`` (the standard library's rules): a side effect or wrapped
  object is awaited only if it is a coroutine function; any other result,
  awaitable or not, is the outcome as it is.
* ``CoroutineMock`` (asynctest's rules): an awaitable result (a coroutine, a
  future, ...) is awaited and its result is the outcome, so ``return_value``
  and side effects may be coroutines.  Mocks are never awaited.
"""

from __future__ import annotations

import collections.abc
import inspect
import unittest.mock as _um
from collections.abc import Callable, Coroutine
from typing import Any

from asynctoolkit.mock._support import (
    configured_return_value,
    delegate,
    display_name,
    is_exception,
    is_mock,
    side_effect_of,
    spec_callable,
    wrapped,
)

__all__: list[str] = []

_DEFAULT = _um.DEFAULT

# What awaiting a call does: (mock, call, args, kwargs) -> the call's coroutine.
AwaitCall = Callable[[Any, Any, tuple[Any, ...], dict[str, Any]], Coroutine[Any, Any, Any]]


def _await_call_with(qualname: str, await_outcomes: bool) -> AwaitCall:
    async def await_call(mock: Any, call: Any, args: tuple[Any, ...], kwargs: Any) -> Any:
        state = mock.__dict__
        state["await_count"] += 1
        state["await_args"] = call
        state["await_args_list"].append(call)
        awaited = state["_atk_awaited"]
        if awaited is not None:
            awaited._notify()
        effect = side_effect_of(mock)
        if effect is not None:
            if is_exception(effect):
                raise effect
            if not spec_callable(effect):
                try:
                    result = next(effect)
                except StopIteration:
                    raise StopAsyncIteration(_exhausted_message(mock)) from None
                if is_exception(result):
                    raise result
            elif await_outcomes or not inspect.iscoroutinefunction(effect):
                result = effect(*args, **kwargs)
            else:
                result = await effect(*args, **kwargs)
            if await_outcomes and _awaitable(result):
                result = await result
            if result is not _DEFAULT:
                return result
        result = configured_return_value(mock)
        if result is _DEFAULT or delegate(mock) is not None:
            wraps = wrapped(mock)
            if result is _DEFAULT and wraps is not None:
                if not await_outcomes and inspect.iscoroutinefunction(wraps):
                    return await wraps(*args, **kwargs)
                result = wraps(*args, **kwargs)
            else:
                result = mock.return_value  # makes the default child on first use
        if await_outcomes and _awaitable(result):
            return await result
        return result

    # The name "coroutine ... was never awaited" warnings show.
    await_call.__qualname__ = qualname
    return await_call


#: The coroutine of a ``CoroutineMock`` call (awaitable outcomes are awaited).
await_coroutine_mock_call = _await_call_with("CoroutineMock.__call__", True)
#: The coroutine of an ``AsyncMock`` call (as ``unittest.mock.AsyncMock``).
await_async_mock_call = _await_call_with("AsyncMock.__call__", False)


class AsyncIterator(collections.abc.AsyncIterator[Any]):
    """The async iterator a MagicMock's ``__aiter__`` gives by default: it has ``__aiter__``."""

    __slots__ = ("_values",)

    def __init__(self, values: Any) -> None:
        self._values = values  # the standard library's iterator, which has only __anext__

    async def __anext__(self) -> Any:
        return await self._values.__anext__()


# Results that are never awaitable, checked first because it is cheap.
_PLAIN_TYPES = frozenset({type(None), bool, int, float, str, bytes, tuple, list, dict})


def _awaitable(result: Any) -> bool:
    """Whether an outcome must be awaited (mocks never are, whatever their spec says)."""
    if type(result) in _PLAIN_TYPES or is_mock(result):
        return False
    return inspect.isawaitable(result)


def _exhausted_message(mock: Any) -> str:
    return (
        f"{display_name(mock)!r} was awaited {mock.await_count} times, but its side_effect "
        f"iterable ran out of values; give it one value per await, or set side_effect "
        f"to a function or None (then return_value answers)"
    )
