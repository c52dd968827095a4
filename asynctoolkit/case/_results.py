"""Synchronous inspection of futures, tasks and coroutines, for trial-style assertions."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any, Generic, TypeVar

from asynctoolkit._shared import report

__all__ = ["RaisedContext", "RaisesContext"]

_E = TypeVar("_E", bound=BaseException)


class RaisedContext(Generic[_E]):
    """What ``assertAsyncRaises`` returns: ``exception`` is the exception raised."""

    def __init__(self, exception: _E) -> None:
        self.exception: _E = exception


class RaisesContext(Generic[_E]):
    """``with self.assertRaises(...)`` of asynctoolkit's TestCase.

    It behaves as unittest's, except that it leaves the frames of the caught
    exception's traceback alone: unittest clears them (on Python 3.10 to
    3.12 that closes the suspended coroutine of any other task the
    exception's traceback ran through, such as a worker that set it on a
    future, which then dies with "cannot reuse already awaited coroutine").
    """

    def __init__(
        self,
        test: Any,
        expected: type[_E] | tuple[type[_E], ...],
        expected_regex: str | re.Pattern[str] | None = None,
        msg: object = None,
    ) -> None:
        types = expected if isinstance(expected, tuple) else (expected,)
        if not all(isinstance(t, type) and issubclass(t, BaseException) for t in types):
            raise TypeError(
                "assertRaises() arg 1 must be an exception type or tuple of exception types"
            )
        self.test = test
        self.expected = expected
        self.expected_regex = (
            re.compile(expected_regex) if isinstance(expected_regex, str) else expected_regex
        )
        self.msg = msg
        self.exception: _E

    def __enter__(self) -> RaisesContext[_E]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> bool:
        if exc_type is None or exc is None:
            names = (
                self.expected.__name__
                if isinstance(self.expected, type)
                else ", ".join(t.__name__ for t in self.expected)
            )
            raise self.test.failureException(
                self.test._formatMessage(self.msg, f"{names} not raised")
            )
        if not issubclass(exc_type, self.expected):
            return False  # not ours: let it propagate
        if self.expected_regex is not None and not self.expected_regex.search(str(exc)):
            self.test.fail(
                self.test._formatMessage(
                    self.msg, f'"{self.expected_regex.pattern}" does not match "{exc}"'
                )
            )
        self.exception = exc  # type: ignore[assignment]  # an instance of ``expected``
        return True

    def handle(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> RaisesContext[_E] | None:
        """Context manager with no ``args``; else call ``args[0](*args[1:], **kwargs)``."""
        if not args:
            self.msg = kwargs.pop("msg", None)
            if kwargs:
                raise TypeError(f"{next(iter(kwargs))!r} is an invalid keyword argument here")
            return self
        function, *rest = args
        with self:
            function(*rest, **kwargs)
        return None


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
    return f"coroutine {report.coroutine_name(awaitable)}"
