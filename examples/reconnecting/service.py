"""Keep one connection to an endpoint open, reconnecting with exponential backoff.

This is the library under test of this example: ordinary asyncio code in the
spirit of Twisted's ``ClientService``.  ``test_reconnecting.py`` shows how
asynctoolkit tests it on virtual time.

The service knows nothing about sockets.  It is given ``connect``, a
coroutine function that opens a connection, and treats what that returns as
a ``Connection``: an object with ``close()`` and ``await wait_closed()`` (the
shape of ``asyncio.StreamWriter``).  ``wait_closed()`` returning is how the
service learns that a connection is gone, whether it closed it or lost it.

Life of a service::

    service = ClientService(connect, prepare_connection=log_in)
    service.start()                        # connects in the background
    conn = await service.when_connected()  # the connection, once made and prepared
    ...
    await service.stop()                   # closes it; no more attempts

After a failed attempt (``connect`` or ``prepare_connection`` raised) or a
lost connection, the next attempt waits ``retry_policy(failures)`` seconds,
where ``failures`` counts the failures since the last connection was made (a
lost connection counts as the first).  ``backoff_policy`` makes the usual
policy: delays grow exponentially up to a ceiling, plus a random jitter so
that many clients cut off together do not all come back at the same instant.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["ClientService", "Connection", "RetryPolicy", "backoff_policy"]

logger = logging.getLogger(__name__)


class Connection(Protocol):
    """What ``connect`` returns: a connection that can be closed and waited on."""

    def close(self) -> None:
        """Start closing the connection (finishing may take a while)."""

    async def wait_closed(self) -> None:
        """Return once the connection is closed, whether by ``close()`` or lost."""


C = TypeVar("C", bound=Connection)

#: Seconds to wait before the next attempt, given the failures since the last connection.
RetryPolicy = Callable[[int], float]


def backoff_policy(
    *,
    initial: float = 1.0,
    factor: float = 1.5,
    maximum: float = 60.0,
    jitter: float = 1.0,
    rng: random.Random | None = None,
) -> RetryPolicy:
    """Exponential backoff with jitter.

    After the n-th failure in a row the policy waits
    ``min(initial * factor ** (n - 1), maximum)`` seconds plus a random extra
    in ``[0, jitter)``.  ``rng`` draws the extra (default: a new
    ``random.Random()``); a seeded one makes the delays reproducible.
    """
    for name, value in (("initial", initial), ("maximum", maximum), ("jitter", jitter)):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"backoff_policy: {name} must be a finite number >= 0, not {value!r}")
    if not (math.isfinite(factor) and factor >= 1):
        raise ValueError(f"backoff_policy: factor must be a finite number >= 1, not {factor!r}")
    if maximum < initial:
        raise ValueError(f"backoff_policy: maximum ({maximum!r}) is below initial ({initial!r})")
    source = rng if rng is not None else random.Random()

    def delay(failures: int) -> float:
        if failures < 1:
            raise ValueError(f"a retry policy counts failures from 1, not {failures!r}")
        try:
            base = min(initial * float(factor) ** (failures - 1), maximum)
        except OverflowError:  # so many failures that the exponential left the floats
            base = maximum
        return base + source.uniform(0.0, jitter)

    return delay


class ClientService(Generic[C]):
    """Keep one connection made by ``connect`` open; see the module documentation.

    ``connect``: coroutine function opening a new connection; an exception it
    raises is a failed attempt.
    ``prepare_connection``: called with each new connection before anyone is
    given it (to log in, to subscribe...); it may be a coroutine function.
    Its result is ignored; an exception it raises closes the connection and
    counts as a failed attempt.
    ``retry_policy``: seconds to wait before the next attempt, given the
    number of failures since the last connection (default ``backoff_policy()``).
    ``close_timeout``: the longest, in seconds, the service waits for a
    connection it closed to finish closing before abandoning it (with a
    warning in the log).
    ``name``: names the service in the log and its task.
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[C]],
        *,
        prepare_connection: Callable[[C], object] | None = None,
        retry_policy: RetryPolicy | None = None,
        close_timeout: float = 10.0,
        name: str = "ClientService",
    ) -> None:
        if not callable(connect):
            raise TypeError(f"connect must be a coroutine function, not {connect!r}")
        if prepare_connection is not None and not callable(prepare_connection):
            raise TypeError(f"prepare_connection must be callable, not {prepare_connection!r}")
        if not (math.isfinite(close_timeout) and close_timeout > 0):
            raise ValueError(f"close_timeout must be a finite number > 0, not {close_timeout!r}")
        self._connect = connect
        self._prepare = prepare_connection
        self._retry_policy = retry_policy if retry_policy is not None else backoff_policy()
        self._close_timeout = close_timeout
        self._name = name
        # True between start() and stop().  The task connects, holds the
        # connection and reconnects; after stop() it lives on until the
        # connection has finished closing, and a restart waits for it.
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self._connection: C | None = None  # set only while connected and prepared
        self._waiters: list[_Waiter[C]] = []  # callers of when_connected(), oldest first

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._running

    @property
    def connection(self) -> C | None:
        """The connection, once made and prepared; None while there is none."""
        return self._connection

    def start(self) -> None:
        """Start connecting in the background (after a previous connection closed).

        Must be called from code running on the event loop.  Starting a
        running service only logs a warning.
        """
        if self._running:
            logger.warning("%s: start() called while already started; ignored", self._name)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"{self._name}.start() must be called from code running on the event loop "
                "(a coroutine or a callback)"
            ) from None
        self._running = True
        self._task = loop.create_task(self._supervise(self._task), name=f"{self._name} connection")

    async def stop(self) -> None:
        """Stop, and return once the connection (if any) is closed.

        A pending attempt or wait between attempts is cancelled; pending
        ``when_connected`` calls raise CancelledError.  Calling it again while
        the connection closes waits for the same closing; calling it on a
        service that is not running returns at once.
        """
        task = self._task
        if self._running:
            self._running = False
            if task is not None:
                task.cancel()
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                waiter.future.cancel()
        # No await at all when there is nothing to wait for: the coroutine
        # then finishes on its first step.
        if task is not None and not task.done():
            await asyncio.wait({task})

    async def when_connected(self, fail_after_failures: int | None = None) -> C:
        """The connection, once made and prepared (at once if there is one).

        Waits while the service connects (before ``start()``, until it
        starts and connects).  Raises CancelledError if the service is
        stopped, or stops meanwhile.  With ``fail_after_failures=n``, raises
        instead the error of the n-th attempt that fails during the wait.
        """
        if fail_after_failures is not None and (
            isinstance(fail_after_failures, bool)
            or not isinstance(fail_after_failures, int)
            or fail_after_failures < 1
        ):
            raise ValueError(
                f"fail_after_failures must be None or a whole number >= 1, "
                f"not {fail_after_failures!r}"
            )
        if self._task is not None and not self._running:
            raise asyncio.CancelledError(f"{self._name} is stopped; start() it again first")
        if self._connection is not None:
            return self._connection
        waiter: _Waiter[C] = _Waiter(
            asyncio.get_running_loop().create_future(), fail_after_failures
        )
        self._waiters.append(waiter)
        try:
            return await waiter.future
        finally:
            if waiter in self._waiters:  # the caller gave up waiting
                self._waiters.remove(waiter)

    # -- private -------------------------------------------------------------------
    async def _supervise(self, previous: asyncio.Task[None] | None) -> None:
        """Connect, hold the connection while it lasts, wait, and again, until cancelled."""
        try:
            if previous is not None:
                # A restart: the previous connection must be gone before the next is made.
                await _wait_even_if_cancelled(previous)
            failures = 0
            while True:
                try:
                    connection = await self._attempt()
                except Exception as error:  # CancelledError is no Exception: stop() goes through
                    failures += 1
                    self._attempt_failed(error)
                else:
                    await self._hold(connection)
                    failures = 1  # the loss counts as the first failure
                delay = self._retry_policy(failures)
                if not (isinstance(delay, (int, float)) and math.isfinite(delay) and delay >= 0):
                    raise ValueError(
                        f"retry_policy({failures}) returned {delay!r}; it must return a "
                        "finite number of seconds >= 0"
                    )
                logger.info("%s: next attempt in %.3f s", self._name, delay)
                await asyncio.sleep(delay)
        except Exception as error:  # a bug, in retry_policy say: say so, and hang no caller
            logger.exception("%s stopped by an unexpected error", self._name)
            self._running = False
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(error)

    async def _attempt(self) -> C:
        connection = await self._connect()
        if self._prepare is not None:
            try:
                outcome = self._prepare(connection)
                if inspect.isawaitable(outcome):
                    await outcome
            except BaseException:
                await self._close(connection)  # a half-made connection is not kept
                raise
        return connection

    def _attempt_failed(self, error: Exception) -> None:
        logger.info("%s: connection attempt failed: %r", self._name, error)
        for waiter in list(self._waiters):
            if waiter.failures_left is None:
                continue
            waiter.failures_left -= 1
            if waiter.failures_left == 0:
                self._waiters.remove(waiter)
                if not waiter.future.done():
                    waiter.future.set_exception(error)

    async def _hold(self, connection: C) -> None:
        """Publish ``connection`` and wait until it is lost (or closed by stop())."""
        logger.info("%s: connected", self._name)
        self._connection = connection
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.future.done():
                waiter.future.set_result(connection)
        try:
            await connection.wait_closed()
        except asyncio.CancelledError:  # stop()
            self._connection = None
            await self._close(connection)
            raise
        except Exception as error:
            logger.info("%s: connection lost: %r", self._name, error)
        else:
            logger.info("%s: connection lost", self._name)
        finally:
            self._connection = None

    async def _close(self, connection: C) -> None:
        """Close ``connection`` and wait until it is closed, at most ``close_timeout`` seconds.

        A cancellation meanwhile does not cut the wait short (stop() promises
        a closed connection); it is raised once the wait is over.
        """
        connection.close()
        await _wait_even_if_cancelled(asyncio.ensure_future(self._wait_closed(connection)))

    async def _wait_closed(self, connection: C) -> None:
        try:
            await asyncio.wait_for(connection.wait_closed(), self._close_timeout)
        except asyncio.TimeoutError:
            logger.warning(
                "%s: a connection still not closed %g s after close(); abandoning it",
                self._name,
                self._close_timeout,
            )
        except Exception as error:  # closed with an error: closed all the same
            logger.info("%s: connection closed with %r", self._name, error)


class _Waiter(Generic[C]):
    """One pending ``when_connected()`` call."""

    __slots__ = ("failures_left", "future")

    def __init__(self, future: asyncio.Future[C], failures_left: int | None) -> None:
        self.future = future
        self.failures_left = failures_left  # None: wait whatever fails


async def _wait_even_if_cancelled(future: asyncio.Future[Any]) -> None:
    """Wait until ``future`` is done, even if cancelled meanwhile; then raise that cancellation."""
    cancelled: asyncio.CancelledError | None = None
    while not future.done():
        try:
            await asyncio.wait({future})
        except asyncio.CancelledError as error:
            cancelled = cancelled or error
    if cancelled is not None:
        raise cancelled
