"""Synchronous inspection of futures, tasks and coroutines, for trial-style assertions."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Generic, TypeVar

from asynctoolkit import _report

__all__ = ["RaisedContext"]

_E = TypeVar("_E", bound=BaseException)


class RaisedContext(Generic[_E]):
    """What ``assertAsyncRaises`` returns: ``exception`` is the exception raised."""

    def __init__(self, exception: _E) -> None:
        self.exception: _E = exception


def settle_now(awaitable: Any) -> tuple[str, Any]:
    """('succeeded', result), ('failed', exception) or ('pending', None), synchronously."""
    if isinstance(awaitable, asyncio.Future):
        if not awaitable.done():
            return "pending", None
        if awaitable.cancelled():
            return "failed", asyncio.CancelledError()
        exc = awaitable.exception()
        return ("failed", exc) if exc is not None else ("succeeded", awaitable.result())
    if inspect.iscoroutine(awaitable):
        try:
            awaitable.send(None)
        except StopIteration as stop:
            return "succeeded", stop.value
        except BaseException as exc:
            return "failed", exc
        awaitable.close()
        return "pending", None
    raise TypeError(
        f"expected a future, a task or a coroutine, got {type(awaitable).__qualname__}: "
        "wrap other awaitables with asyncio.ensure_future() first"
    )


def describe_awaitable(awaitable: Any) -> str:
    if isinstance(awaitable, asyncio.Task):
        return f"task {awaitable.get_name()!r}"
    if isinstance(awaitable, asyncio.Future):
        return "the future"
    return f"coroutine {_report.coroutine_name(awaitable)}"
