"""Running a unary-unary handler inline, in the task that awaits its call.

``await stub.Method(request)`` on ``rpc.connect``'s channel does not start a
task for the handler and wait for it: the caller's task runs the handler's
coroutine itself, step by step, each step in the handler's own context (a
fresh one, as grpc.aio's handlers get).  A handler that never suspends
answers within the ``await``, without a turn of the loop.

What the caller's task sees of the handler is what it would see of a task it
awaits: the futures the handler waits on pass through it.  Two things need
care, both handled here:

* the RPC ends from outside the handler (its deadline, the channel closing):
  ``Link._stop_handler`` sets ``stop_inline`` and cancels the future the
  handler waits on, so the handler gets CancelledError at its ``await``,
  exactly as a cancelled task would;
* the caller's task is cancelled (``task.cancel()``, a timeout around the
  call): the CancelledError goes into the handler, as a cancel of the RPC
  would on grpc.aio.  If it then still wants to stop (Python 3.11+:
  ``task.cancelling()`` went up and the handler did not ``uncancel``, so
  an ``asyncio.timeout`` *inside* the handler stays the handler's business;
  Python 3.10: the CancelledError came out of the handler), the RPC ends
  CANCELLED and the caller gets CancelledError.

A handler still running when its RPC ended (it caught the CancelledError and
went on) finishes in a task of its own, as on a real server.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Coroutine, Generator
from typing import Any

from asynctoolkit.rpc._link import BY_CANCEL, BY_CLOSE, Link

__all__: list[str] = []

_HAS_CANCELLING = sys.version_info >= (3, 11)

if sys.version_info >= (3, 11):

    def _cancelling(task: asyncio.Task[Any]) -> int:
        return task.cancelling()

else:  # pragma: no cover - Python 3.10 counts no cancel requests

    def _cancelling(task: asyncio.Task[Any]) -> int:
        return 0


def run_inline(link: Link, task: asyncio.Task[Any]) -> Generator[Any, None, None]:
    """Run ``link``'s handler in ``task`` (the caller's); ``yield from`` it in ``__await__``.

    Returns once the handler's coroutine is done or moved to a task of its
    own; the status is then in ``link``.  Raises CancelledError when the
    caller's task is cancelled.
    """
    coroutine = link.begin_handler()
    context = contextvars.Context()
    baseline = _cancelling(task)
    link.inline_task = task
    thrown: BaseException | None = None
    cancel_thrown = False  # Python 3.10: whether the caller's task got a CancelledError
    stop_sent = False  # whether the handler got the CancelledError of ``stop_inline``
    try:
        while True:
            if link.stop_inline and not stop_sent:
                stop_sent = True
                if not isinstance(thrown, asyncio.CancelledError):
                    thrown = asyncio.CancelledError()
            try:
                if thrown is None:
                    yielded = context.run(coroutine.send, None)
                else:
                    error, thrown = thrown, None
                    yielded = context.run(coroutine.throw, error)
            except StopIteration:
                return
            except asyncio.CancelledError:
                # It came out of the handler (``run_rpc`` ended nothing).
                if link.code is not None:  # the RPC ended from outside: the status says how
                    return
                if _cancelling(task) > baseline if _HAS_CANCELLING else cancel_thrown:
                    link.cancel()  # the caller's task is being cancelled
                    raise
                link.cancelled_itself()
                return
            if link.stop_inline and not stop_sent:  # stopped by the step itself
                if yielded is not None:
                    yielded.cancel()  # as a task's cancel() does to the future it awaits
                continue
            if link.stop_inline or (_HAS_CANCELLING and _cancelling(task) > baseline):
                # The RPC is over, or the caller is being cancelled, but the
                # handler goes on (it caught the CancelledError it was given).
                if link.code is None:
                    link.cancel()
                _continue_in_task(link, coroutine, context, yielded)
                if link.ended_by in (BY_CANCEL, BY_CLOSE):
                    raise asyncio.CancelledError()
                return
            link.inline_waiter = yielded
            try:
                yield yielded
            except GeneratorExit:  # the caller's task was destroyed
                context.run(coroutine.close)
                raise
            except BaseException as error:  # thrown into the caller's task
                thrown = error
                if isinstance(error, asyncio.CancelledError) and not link.stop_inline:
                    cancel_thrown = True
            finally:
                link.inline_waiter = None
    finally:
        link.inline_task = None


def _continue_in_task(
    link: Link, coroutine: Coroutine[Any, Any, Any], context: contextvars.Context, waiting: Any
) -> None:
    task = context.run(
        link.loop.create_task,
        _resume(coroutine, waiting),
        name=f"rpc.connect handler {link.path}",
    )
    link.task = task
    link.channel.track(task)


async def _resume(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Any:
    return await _Resumed(coroutine, waiting)


class _Resumed:
    """Awaits a coroutine that already ran up to awaiting ``waiting``."""

    __slots__ = ("_coroutine", "_waiting")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting: Any) -> None:
        self._coroutine = coroutine
        self._waiting = waiting

    def __await__(self) -> Generator[Any, None, Any]:
        coroutine, yielded = self._coroutine, self._waiting
        while True:
            try:
                yield yielded
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:
                try:
                    yielded = coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coroutine.send(None)
                except StopIteration as stop:
                    return stop.value
