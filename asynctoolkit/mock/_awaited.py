"""``CoroutineMock.awaited``: know when, and wait until, code under test awaited a mock.

A test often needs to synchronise with code running in other tasks: "let the
worker run until it has sent its second request, then check".  The mock
counts its awaits; this object turns the count into something a test can
``await``, always with a deadline so a wrong expectation fails instead of
hanging.

Deadlines are measured on the real (monotonic) clock, not on the loop's
clock: under a virtual clock loop time may leap forward or stand still, which
would make a loop-time deadline fire at once or never.  A deadline is kept by
a short-lived timer thread that wakes the loop thread-safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Callable
from typing import Any

from asynctoolkit.mock._support import display_name

__all__: list[str] = []

#: Seconds of real time ``wait``, ``wait_next`` and ``wait_for`` wait by default.
DEFAULT_AWAIT_TIMEOUT = 5.0


class AwaitedEvent:
    """What ``mock.awaited`` is: true once the mock was awaited, and awaitable waits.

    ``bool(mock.awaited)`` is true once any call of the mock has been awaited.
    The ``wait*`` coroutines suspend the test until the mock has been awaited
    enough; each fails with an AssertionError naming the mock and its awaits
    if that does not happen within ``timeout`` seconds of real time.
    """

    __module__ = "asynctoolkit.mock"  # where users find it

    __slots__ = ("_mock", "_waiters")

    def __init__(self, mock: Any) -> None:
        self._mock = mock
        # Pending waits: (predicate, future to resolve with its first true value).
        self._waiters: list[tuple[Callable[[Any], Any], asyncio.Future[Any]]] = []

    def __bool__(self) -> bool:
        return bool(self._mock.await_count)

    def __repr__(self) -> str:
        return f"<awaited of {_quoted_name(self._mock)}: {self._mock.await_count} await(s)>"

    async def wait(self, skip: int = 0, *, timeout: float = DEFAULT_AWAIT_TIMEOUT) -> Any:
        """Wait until the mock has been awaited at least ``skip + 1`` times in all.

        Counts every await since the mock was created (or last reset), so it
        returns at once if that already happened.  Returns the call object of
        that await (``mock.await_args_list[skip]``).
        """
        _check_skip(skip)

        def nth_await(mock: Any) -> Any:
            awaits = mock.await_args_list
            return awaits[skip] if len(awaits) > skip else None

        what = f"awaited {_times(skip + 1)} in all"
        return await self._wait(nth_await, what, timeout)

    async def wait_next(self, skip: int = 0, *, timeout: float = DEFAULT_AWAIT_TIMEOUT) -> Any:
        """Wait for an await that has not happened yet: the ``skip + 1``-th from now.

        Unlike ``wait``, awaits made before this call do not count.  Returns
        the call object of that await.
        """
        _check_skip(skip)
        index = len(self._mock.await_args_list) + skip

        def awaited_since(mock: Any) -> Any:
            awaits = mock.await_args_list
            return awaits[index] if len(awaits) > index else None

        what = f"awaited {_times(skip + 1)} more (already awaited {index - skip})"
        return await self._wait(awaited_since, what, timeout)

    async def wait_for(
        self, predicate: Callable[[Any], Any], *, timeout: float = DEFAULT_AWAIT_TIMEOUT
    ) -> Any:
        """Wait until ``predicate(mock)`` is true; return that true value.

        The predicate is checked now and after each await of the mock (when the
        awaited call starts).  An exception it raises fails the wait.
        """
        if not callable(predicate):
            raise TypeError(f"wait_for() needs a callable predicate(mock), got {predicate!r}")
        name = getattr(predicate, "__qualname__", None) or repr(predicate)
        return await self._wait(predicate, f"to make {name}(mock) true", timeout)

    async def _wait(self, predicate: Callable[[Any], Any], what: str, timeout: float) -> Any:
        _check_timeout(timeout)
        value = predicate(self._mock)
        if value:
            return value
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        timer = threading.Timer(timeout, _expire_soon, (loop, self, future, what, timeout))
        timer.daemon = True
        timer.start()
        try:
            return await future
        finally:
            timer.cancel()
            self._waiters.remove(waiter)

    def _notify(self) -> None:
        """Called by the mock each time one of its calls is awaited."""
        for predicate, future in tuple(self._waiters):
            if future.done() or future.get_loop().is_closed():
                continue
            try:
                value = predicate(self._mock)
            except Exception as exc:  # report it to the waiting test, not to the awaiting code
                future.set_exception(exc)
                continue
            if value:
                future.set_result(value)

    def _expire(self, future: asyncio.Future[Any], what: str, timeout: float) -> None:
        if not future.done():
            future.set_exception(AssertionError(_timeout_message(self._mock, what, timeout)))


def _expire_soon(
    loop: asyncio.AbstractEventLoop,
    event: AwaitedEvent,
    future: asyncio.Future[Any],
    what: str,
    timeout: float,
) -> None:
    """Runs in the timer thread: hand the expiry to the loop's thread."""
    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(event._expire, future, what, timeout)


def _timeout_message(mock: Any, what: str, timeout: float) -> str:
    awaits = mock.await_args_list
    lines = [
        f"{_quoted_name(mock)} was not {what} within {timeout:g} s (real time).",
        f"Awaited {_times(len(awaits))}" + (f": {list(awaits)!r}." if awaits else "."),
    ]
    pending = never_awaited_calls(mock)
    if pending:
        lines.append(f"Called but not (yet) awaited: {pending!r}.")
    lines.append(
        "Check that the code under test reaches the await; pass timeout= if it is just slow."
    )
    return "\n".join(lines)


def never_awaited_calls(mock: Any) -> list[Any]:
    """The calls of ``mock`` whose coroutine has not been awaited (so far)."""
    awaited = {id(c) for c in mock.await_args_list}
    return [c for c in mock.call_args_list if id(c) not in awaited]


def _quoted_name(mock: Any) -> str:
    return repr(display_name(mock))


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _check_skip(skip: object) -> None:
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise ValueError(f"skip must be an int >= 0 (how many awaits to let pass), got {skip!r}")


def _check_timeout(timeout: object) -> None:
    if (
        not isinstance(timeout, (int, float))
        or isinstance(timeout, bool)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValueError(
            f"timeout must be a finite number of seconds > 0 (real time), got {timeout!r}"
        )
