"""What the checks see during one test, and what they report after it.

A ``TestWatch`` is opened on the test's loop before setUp and finished after
the cleanups.  It remembers what existed before the test (so a shared loop's
older tasks, timers and registrations never count against the test), records
what the test produces (tasks with their creation site, exceptions passed to
the loop's handler, unawaited coroutines), and at the end reports every
leftover by name, then cleans it up so the next test starts clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import os
import re
import selectors
import sys
import traceback
import unittest
import warnings
from collections.abc import Callable, Coroutine, Mapping
from types import FrameType
from typing import Any, TextIO

from asynctoolkit._shared import asyncio_details, report, tracking
from asynctoolkit.clock._core import timers_of
from asynctoolkit.helpers import exhaust_callbacks

__all__: list[str] = []

# unittest leaves frames of modules that define ``__unittest`` out of
# tracebacks: a failing check shows the report, not this machinery.
__unittest = True

#: Every check, with its default.  The order is the order of the report.
DEFAULT_CHECKS: Mapping[str, bool] = {
    "pending_tasks": True,
    "unhandled_exceptions": True,
    "unawaited_coroutines": True,
    "active_selector_callbacks": True,
    "active_handles": False,
    "unused_loop": False,
}

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_PACKAGE_DIR = os.path.dirname(__file__)
_UNITTEST_DIR = os.path.dirname(unittest.__file__)
_UNAWAITED = re.compile(r"coroutine '.*' was never awaited")
_UNSET: Any = object()
_ALWAYS_SHOW_UNAWAITED = ("always", re.compile(_UNAWAITED.pattern, re.I), RuntimeWarning, None, 0)


def _creation_site() -> str | None:
    """The first frame outside asyncio and asynctoolkit, as ``file:line``."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_UNITTEST_DIR):
            return None  # created by the test machinery itself (the test's own task)
        if not filename.startswith((_ASYNCIO_DIR, _PACKAGE_DIR)):
            return f"{report.short_path(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return None


# The tasks created during the running test, or None between tests.  Held
# until the test's checks have looked at them (a plain list is the cheapest).
_created: list[asyncio.Task[Any]] | None = None


if sys.version_info[:3] == (3, 13, 0):

    class _Task(asyncio.Task):  # type: ignore[type-arg]
        """Python 3.13.0's create_task renames a factory-made task to "None"."""

        def set_name(self, value: object) -> None:
            if value is not None:
                super().set_name(value)

    _TASK: type[asyncio.Task[Any]] = _Task
else:
    _TASK = asyncio.Task


def recording_task_factory(
    loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
) -> asyncio.Task[Any]:
    """Build a plain Task and remember where the code under test created it."""
    task: asyncio.Task[Any] = _TASK(coro, loop=loop, **kwargs)
    site = _creation_site()
    if site is not None:
        report.creation_sites[task] = site
    if _created is not None:
        _created.append(task)
    return task


class TestWatch:
    """Observes one test on ``loop`` for the ``enabled`` checks."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        enabled: Mapping[str, bool],
        warn: Callable[[str], None],
        fresh: bool = False,
    ) -> None:
        self.loop = loop
        #: The enabled checks (a mapping of name to True; shared, copied before a change).
        self.enabled = (
            enabled if False not in enabled.values() else {n: v for n, v in enabled.items() if v}
        )
        #: True once the checks cancelled every task left on the loop.
        self.tasks_cleared = False
        self._warn = warn
        # A fresh loop has no task yet: no need to list them.
        self._fresh = fresh
        self._tasks_before: set[asyncio.Task[Any]] = set()
        self._selector: selectors.BaseSelector | None = None
        # The descriptors registered before the test, or None for a fresh loop
        # that has registered only its wake-up socket (then ``_count_before`` is 1).
        self._fds_before: set[int] | None = set()
        self._count_before = 0
        self._handles_before: set[int] = set()
        self._exceptions: list[dict[str, Any]] = []
        self._unawaited: list[str] = []
        self._marker: asyncio.Handle | None = None
        self._loop_ran = False
        # What ``finish`` puts back: the task factory, the exception handler
        # (``_UNSET`` when untouched), the warnings state.
        self._recording = False
        self._previous_handler: Any = _UNSET
        self._catcher: warnings.catch_warnings | None = None
        self._collector: list[tracking.TrackedCoroutine] | None = None
        self._created: list[asyncio.Task[Any]] = []
        self._start()

    def on(self, check: str) -> bool:
        """True if ``check`` is enabled for this test."""
        return check in self.enabled

    # -- start ---------------------------------------------------------
    def _start(self) -> None:
        loop = self.loop
        enabled = self.enabled
        tasks = "pending_tasks" in enabled
        exceptions = "unhandled_exceptions" in enabled
        if tasks and not self._fresh:
            self._tasks_before = asyncio.all_tasks(loop)
        if (tasks or exceptions) and loop.get_task_factory() is None:
            global _created
            loop.set_task_factory(recording_task_factory)
            _created = self._created
            self._recording = True
        if exceptions:
            self._previous_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._record_exception)
        if "unawaited_coroutines" in enabled:
            self._start_unawaited()
        if "active_selector_callbacks" in enabled:
            selector = self._selector = asyncio_details.loop_selector(loop)
            if selector is None:
                self._skip("active_selector_callbacks", "the loop has no selector")
            else:
                registered = selector.get_map()
                count = self._count_before = len(registered)
                if self._fresh and count == 1:
                    # A new selector loop has registered only its own wake-up
                    # socket, which it keeps until it closes: which one is only
                    # needed if the test registers more (see ``_new_registrations``).
                    self._fds_before = None
                else:
                    self._fds_before = {key.fd for key in registered.values()}
        if "active_handles" in enabled:
            self._handles_before = {id(h) for h in asyncio_details.ready_handles(loop)}
            self._handles_before |= {id(h) for h in timers_of(loop)}
        if "unused_loop" in enabled:
            self._marker = loop.call_soon(self._mark_loop_ran)

    def _restore(self) -> None:
        """Put back what ``_start`` changed, in the reverse order."""
        self._close_collector()  # if a check crashed before it could
        if self._catcher is not None:
            self._catcher.__exit__(None, None, None)
            self._catcher = None
        if self._previous_handler is not _UNSET:
            self.loop.set_exception_handler(self._previous_handler)
            self._previous_handler = _UNSET
        if self._recording:
            global _created
            self.loop.set_task_factory(None)
            _created = None
            self._recording = False

    def _close_collector(self) -> list[tracking.TrackedCoroutine]:
        if self._collector is None:
            return []
        self._collector = None
        return tracking.close_collector()

    def _skip(self, check: str, why: str) -> None:
        self.enabled = {name: on for name, on in self.enabled.items() if name != check}
        self._warn(f"check {check!r} skipped: {why} ({type(self.loop).__name__})")

    def _mark_loop_ran(self) -> None:
        self._loop_ran = True

    def _record_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self._exceptions.append(context)

    def _start_unawaited(self) -> None:
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self._catcher = catcher
        # What ``warnings.filterwarnings("always", ...)`` would insert, prebuilt:
        # entering catch_warnings just invalidated the "already shown" caches.
        filters: list[Any] = warnings.filters  # type: ignore[assignment]  # a list at run time
        filters.insert(0, _ALWAYS_SHOW_UNAWAITED)
        forward = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if category is RuntimeWarning and _UNAWAITED.match(str(message)):
                where = f"{report.short_path(filename)}:{lineno}"
                self._unawaited.append(f"{message} (dropped at {where})")
            else:
                forward(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        self._collector = tracking.open_collector()

    # -- finish --------------------------------------------------------
    def finish(self, settle: Callable[[Coroutine[Any, Any, Any]], Any]) -> list[str]:
        """Report and clean up what the test left behind.

        ``settle`` runs a coroutine on the loop (bounded by the test's time
        limit); it is used to let cancelled leftover tasks finish.
        Returns one message per failed check, empty when all passed.
        """
        problems: list[str] = []
        try:
            self._finish_all(settle, problems)
        finally:
            self._restore()
            self._created.clear()
        return problems

    def _finish_all(
        self, settle: Callable[[Coroutine[Any, Any, Any]], Any], problems: list[str]
    ) -> None:
        # Each check runs even if another could not: one failure never hides
        # the other reports of the same test.
        enabled = self.enabled
        if self._marker is not None:
            self._marker.cancel()
            if not self._loop_ran:
                problems.append(
                    "unused_loop: the event loop never ran during the test; a coroutine "
                    "may have been created but not awaited, or the test needs no loop "
                    "(turn the check off with @fail_on(unused_loop=False))."
                )
        if "pending_tasks" in enabled:
            _run_check(problems, "pending_tasks", self._finish_tasks, settle)
        if "unhandled_exceptions" in enabled:
            self._collect_unretrieved()
        # Let the test's tasks go before the selector check collects
        # garbage: what they hold (a grpc.aio channel) may unregister then.
        self._created.clear()
        if (
            "active_selector_callbacks" in enabled
            and self._selector is not None
            and self._new_registrations()
        ):
            _run_check(problems, "active_selector_callbacks", self._finish_selector)
        if "active_handles" in enabled:
            _run_check(problems, "active_handles", self._finish_handles)
        if "unawaited_coroutines" in enabled:
            collected = self._close_collector()
            if collected or self._unawaited:
                _run_check(problems, "unawaited_coroutines", self._finish_unawaited, collected)
        if "unhandled_exceptions" in enabled and self._exceptions:
            _run_check(problems, "unhandled_exceptions", self._finish_exceptions)

    def _finish_tasks(self, settle: Callable[[Coroutine[Any, Any, Any]], Any]) -> list[str]:
        leftover = self._leftover_tasks()
        if leftover:
            # A cleanup may have just cancelled them: let those requests land.
            with contextlib.suppress(RuntimeError):
                settle(exhaust_callbacks())
            leftover = self._leftover_tasks()
        if not leftover:
            self.tasks_cleared = not self._tasks_before
            return []
        text = report.describe_tasks(leftover)
        for task in leftover:
            task.cancel()
        settle(asyncio.wait(leftover))
        self.tasks_cleared = not self._tasks_before
        return [
            f"pending_tasks: {len(leftover)} task(s) still pending at the end of the test "
            "(they were cancelled); await them, cancel them in tearDown/addCleanup, "
            "or turn the check off with @fail_on(pending_tasks=False):\n" + _indent(text)
        ]

    def _leftover_tasks(self) -> set[asyncio.Task[Any]]:
        pending = asyncio.all_tasks(self.loop)  # only tasks not done
        return pending - self._tasks_before if self._tasks_before else pending

    def _new_registrations(self) -> bool:
        assert self._selector is not None
        registered = self._selector.get_map()
        if len(registered) != self._count_before:
            return True
        if self._fds_before is None:
            # Still one registration: the wake-up socket a fresh loop keeps.
            return False
        return not all(fd in registered for fd in self._fds_before)

    def _registered_before(self) -> set[int]:
        if self._fds_before is None:
            self_fd = asyncio_details.self_pipe_fd(self.loop)
            self._fds_before = set() if self_fd is None else {self_fd}
        return self._fds_before

    def _finish_selector(self) -> list[str]:
        # Objects that unregister themselves when collected (grpc.aio's poller,
        # transports in reference cycles) get their chance before the report.
        gc.collect()
        if not self._new_registrations():
            return []
        assert self._selector is not None
        before = self._registered_before()
        lines: list[str] = []
        for key in list(self._selector.get_map().values()):
            fd = key.fd
            if fd in before:
                continue
            reader, writer = asyncio_details.key_handles(key)
            for kind, handle, remove in (
                ("reader", reader, self.loop.remove_reader),
                ("writer", writer, self.loop.remove_writer),
            ):
                if handle is None or handle.cancelled():
                    continue
                line = f"{kind} on {key.fileobj!r} (fd {fd}): {report.describe_handle(handle)}"
                try:
                    remove(key.fileobj)
                except RuntimeError:  # "File descriptor ... is used by transport"
                    line += " (a transport's: close the transport, or its writer)"
                lines.append(line)
        if not lines:
            return []
        return [
            "active_selector_callbacks: callbacks still registered at the end of the test "
            "(removed, except a transport's); call loop.remove_reader()/remove_writer() or "
            "close the transport:\n" + _indent("\n".join(lines))
        ]

    def _finish_handles(self) -> list[str]:
        handles = [
            h
            for h in [*asyncio_details.ready_handles(self.loop), *timers_of(self.loop)]
            if not h.cancelled() and id(h) not in self._handles_before
        ]
        if not handles:
            return []
        lines = [report.describe_handle(h) for h in handles]
        for handle in handles:
            handle.cancel()
        return [
            "active_handles: callbacks still scheduled at the end of the test (they were "
            "cancelled); cancel the timers you start (keep the handle of call_later/call_at "
            "and call its cancel()), and let ready callbacks run before the test ends "
            "(await asynctoolkit.exhaust_callbacks(loop)):\n" + _indent("\n".join(lines))
        ]

    def _finish_unawaited(self, collected: list[tracking.TrackedCoroutine]) -> list[str]:
        lines = list(self._unawaited)
        for tracked in collected:
            coro = tracked.coroutine
            if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                lines.append(f"{tracked.owner!r} was called as {tracked.call!r} but never awaited")
                coro.close()
        if not lines:
            return []
        return [
            "unawaited_coroutines: coroutine(s) created during the test and never awaited; "
            "add the missing await, or turn the check off with "
            "@fail_on(unawaited_coroutines=False):\n" + _indent("\n".join(lines))
        ]

    def _collect_unretrieved(self) -> None:
        # A finished task whose exception nobody retrieved would only be
        # logged when collected, maybe after the run: report it now, as the
        # loop would, and mark it retrieved.
        for task in self._created:
            if task.done() and asyncio_details.exception_never_retrieved(task):
                exception = task.exception()
                self._exceptions.append(
                    {
                        "message": "Task exception was never retrieved",
                        "exception": exception,
                        "future": task,
                    }
                )

    def _finish_exceptions(self) -> list[str]:
        blocks = [_describe_exception_context(c) for c in self._exceptions]
        return [
            f"unhandled_exceptions: {len(blocks)} error(s) reached the event loop's exception "
            "handler during the test (an exception in a callback, or a task whose exception "
            "was never retrieved):\n" + _indent("\n".join(blocks))
        ]


def _run_check(
    problems: list[str], check: str, finish: Callable[..., list[str]], *args: Any
) -> None:
    """Add what ``finish(*args)`` reports to ``problems``, or how it crashed."""
    try:
        problems.extend(finish(*args))
    except Exception as error:
        problems.append(f"{check}: {type(error).__name__}: {error}")


def _describe_exception_context(context: Mapping[str, Any]) -> str:
    lines = [str(context.get("message", "unhandled error"))]
    for key in ("task", "future", "handle"):
        value = context.get(key)
        if isinstance(value, asyncio.Task):
            lines.append(f"  {report.describe_task(value).splitlines()[0]}")
        elif isinstance(value, asyncio.Handle):
            lines.append(f"  callback {report.describe_handle(value)}")
        elif value is not None:
            lines.append(f"  {key}: {value!r}")
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        formatted = traceback.format_exception(type(exc), exc, exc.__traceback__)
        lines.extend("  " + line for chunk in formatted for line in chunk.rstrip().splitlines())
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
