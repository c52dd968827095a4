"""``unawaited_coroutines``: a coroutine created during the test and never awaited.

Python warns when it destroys a coroutine that was never awaited.  During the
test, a warning filter turns that warning into an error, which Python hands
to ``sys.unraisablehook`` with the coroutine itself: the check's hook reads
where the coroutine was created (``cr_origin``: origin tracking is on during
the test) and where it was dropped (the frame the hook is called from).

Only a coroutine the test created fails it.  One created before the test
(kept by an earlier test, say) or whose creation nothing recorded (before
the test, or in another thread) is a RuntimeWarning that names the test that
dropped it; ``tracking.created_before`` tells the two apart.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import sys
import unittest
import warnings
from types import CoroutineType
from typing import Any

from asynctoolkit._shared import mock_coroutines, report, tracking
from asynctoolkit.case._checks._base import Check, Watch, indent

__all__: list[str] = []

# Python's own message (a single line, or followed by where it was created).
_UNAWAITED = re.compile(r"coroutine '.*' was never awaited(\n|$)")
# What ``warnings.filterwarnings("error", ...)`` would insert, prebuilt.
_AS_ERROR = ("error", _UNAWAITED, RuntimeWarning, None, 0)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
# Frames a creation site skips when the origin goes further (a mock's call).
_MACHINERY = (os.path.dirname(asyncio.__file__), os.path.dirname(unittest.__file__), _PACKAGE_DIR)


class UnawaitedCoroutines(Check):
    __slots__ = ("_catcher", "_collector", "_depth", "_dropped", "_forward", "_mark")
    name = "unawaited_coroutines"
    default = True
    fails_a_test_that = "creates a coroutine (or calls a `CoroutineMock`) and never awaits it"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._dropped: list[str] = []
        self._depth = sys.get_coroutine_origin_tracking_depth()
        # Which coroutines were alive before the test (first: it may fail).
        self._mark = tracking.test_started(
            origins_outside=self._depth != 0 or watch.loop.get_debug()
        )
        # Each coroutine the test creates records where (in this thread).
        if self._depth == 0:
            sys.set_coroutine_origin_tracking_depth(1)
        # Python's warning becomes an error, handed to ``sys.unraisablehook``
        # with the coroutine (the filter is isolated per test, nested inside
        # pytest's own; entering catch_warnings invalidated the caches).
        self._catcher: warnings.catch_warnings | None = warnings.catch_warnings()
        self._catcher.__enter__()
        filters: list[Any] = warnings.filters  # type: ignore[assignment]  # a list at run time
        filters.insert(0, _AS_ERROR)
        self._forward = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        # What CoroutineMock calls hand out in the test's context.
        self._collector = mock_coroutines.open_collector(watch.context)

    def _unraisable(self, unraisable: Any) -> None:
        coroutine = unraisable.object
        if not (
            type(coroutine) is CoroutineType
            and isinstance(unraisable.exc_value, RuntimeWarning)
            and _UNAWAITED.match(str(unraisable.exc_value))
        ):
            if not tracking.interrupt_escaped(unraisable):  # a Ctrl-C gc would swallow
                self._forward(unraisable)
            return
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None  # where the last reference went
        dropped = (
            _site(caller.f_code.co_filename, caller.f_lineno, caller.f_code.co_name)
            if caller is not None
            else "an unknown place"
        )
        origin = coroutine.cr_origin
        what = f"coroutine {coroutine.__qualname__!r} was never awaited"
        if origin is not None and not tracking.created_before(coroutine, self._mark):
            created = _creation_site(origin)
            self._dropped.append(f"{what}: created at {created}, dropped at {dropped}")
            return
        if origin is None:
            why = (
                "where it was created is unknown: before this test started, or in another "
                "thread (origins are recorded only in the test's thread, during the test)"
            )
        else:
            why = f"it was created before this test started, at {_creation_site(origin)}"
        try:
            self.watch.note(
                f"{what}: dropped at {dropped}, during this test, but {why}. "
                "unawaited_coroutines fails a test only for a coroutine created during it."
            )
        except Warning as error:  # the filters made it an error: report it as Python's own
            self._forward(type(unraisable)((type(error), error, None, None, coroutine)))

    def findings(self) -> list[str]:
        lines = list(self._dropped)
        for tracked in mock_coroutines.close_collector(self._collector):
            coro = tracked.coroutine
            if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                lines.append(f"{tracked.owner!r} was called as {tracked.call!r} but never awaited")
                coro.close()
        if not lines:
            return []
        return [
            "unawaited_coroutines: coroutine(s) created during the test and never awaited; "
            "add the missing await, or turn the check off with "
            "@fail_on(unawaited_coroutines=False):\n" + indent("\n".join(lines))
        ]

    def restore(self) -> None:
        if not self._collector.closed:  # findings() never ran
            mock_coroutines.close_collector(self._collector)
        if self._catcher is not None:
            sys.unraisablehook = self._forward
            self._catcher.__exit__(None, None, None)
            self._catcher = None
            sys.set_coroutine_origin_tracking_depth(self._depth)
            tracking.test_ended()


def _creation_site(origin: tuple[tuple[str, int, str], ...]) -> str:
    """Where a coroutine was created: the innermost frame of its origin outside
    asyncio, unittest and asynctoolkit, else the innermost."""
    return _site(*next((f for f in origin if not f[0].startswith(_MACHINERY)), origin[0]))


def _site(filename: str, lineno: int | None, function: str) -> str:
    return f"{report.short_path(filename)}:{lineno} in {function}"
