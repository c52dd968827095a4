"""Test entry points for plain functions: ``run``, ``@function`` and ``@method``.

For test runners that know nothing of asyncio, or for a script: each runs a
coroutine on a fresh test loop with the same checks as ``TestCase`` and turns
its outcome into a plain return value or exception::

    @asynctoolkit.function
    async def test_greeting():
        assert await greet("World") == "Hello World!"

    test_greeting()  # a plain function now: any runner can call it
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

from typing_extensions import ParamSpec

from asynctoolkit import case
from asynctoolkit.case import _decorators, _loops
from asynctoolkit.case._run import TestRun

__all__ = ["function", "method", "run"]

_T = TypeVar("_T")
_P = ParamSpec("_P")

# unittest leaves frames of modules that define ``__unittest`` out of tracebacks.
__unittest = True


def run(
    coro: Awaitable[_T],
    *,
    checks: Mapping[str, bool] | None = None,
    timeout: float | None = _decorators.UNSET,
    clock: bool = False,
    autojump: bool = False,
) -> _T:
    """Run ``coro`` on a fresh test loop with the TestCase checks; return its value.

    ``checks`` turns checks on or off as ``fail_on`` does; ``timeout`` is the
    real-time limit in seconds (default: the runner's, 60 s); ``clock=True``
    runs on a ``ClockedEventLoop`` (virtual time, with ``autojump`` if asked).
    An exception of the coroutine propagates; a failed check raises
    AssertionError naming the culprit.  Must be called with no loop running
    in this thread.
    """
    if not inspect.isawaitable(coro):
        raise TypeError(
            f"run() needs a coroutine or another awaitable, got {type(coro).__qualname__}; "
            "call the coroutine function: run(main()), not run(main)"
        )
    try:
        if autojump and not clock:
            raise ValueError("run(autojump=True) needs clock=True: autojump moves virtual time")

        async def main() -> _T:
            return await coro

        if checks is not None:
            case.fail_on(**checks)(main)
        if timeout is not _decorators.UNSET:
            case.timeout(timeout)(main)
        limit = _decorators.time_limit(None, main)
        enabled = _decorators.enabled_checks(None, main)
        loop = _loops.new_clocked_loop(autojump) if clock else _loops.new_loop()
        test = TestRun(
            loop,
            owns_loop=True,
            context=contextvars.copy_context(),
            limit=limit,
            checks=enabled,
            warn=_warn,
        )
        try:
            test.start()
            result: _T = test.call(main)
            problems = test.finish()
        finally:
            test.close("asynctoolkit.run()")
    finally:
        if inspect.iscoroutine(coro) and inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
            coro.close()  # never started (bad arguments, set-up failed): no second warning
    if problems:
        raise AssertionError("\n\n".join(problems))
    return result


def _warn(message: str) -> None:
    warnings.warn(f"asynctoolkit.run(): {message}", RuntimeWarning, stacklevel=2)


def function(fn: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, _T]:
    """Turn ``async def test_x(...)`` into a plain function that runs it with ``run``."""
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"@function decorates an async def function, not {fn!r}")

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return run(fn(*args, **kwargs))

    # The wrapper is a plain function: hide the coroutine signature from
    # runners that would otherwise try to await it themselves.
    del wrapper.__wrapped__
    wrapper.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    return wrapper


def method(fn: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, _T]:
    """The same as ``function``, for methods taking ``self`` (or ``cls``)."""
    return function(fn)
