"""``unawaited_coroutines``: a coroutine created and never awaited."""

from __future__ import annotations

import inspect
import re
import warnings
from typing import Any, TextIO

from asynctoolkit._shared import report, tracking
from asynctoolkit.case._checks._base import Check, Watch, indent

__all__: list[str] = []

_UNAWAITED = re.compile(r"coroutine '.*' was never awaited")
# What ``warnings.filterwarnings("always", ...)`` would insert, prebuilt.
_ALWAYS_SHOW = ("always", re.compile(_UNAWAITED.pattern, re.I), RuntimeWarning, None, 0)


class UnawaitedCoroutines(Check):
    name = "unawaited_coroutines"
    default = True
    fails_a_test_that = "creates a coroutine (or calls a `CoroutineMock`) and never awaits it"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._dropped: list[str] = []
        # Python warns when it collects a coroutine never awaited: catch
        # those warnings (isolated per test, nested inside pytest's own).
        self._catcher: warnings.catch_warnings | None = warnings.catch_warnings()
        self._catcher.__enter__()
        # Entering catch_warnings just invalidated the "already shown" caches.
        filters: list[Any] = warnings.filters  # type: ignore[assignment]  # a list at run time
        filters.insert(0, _ALWAYS_SHOW)
        self._forward = warnings.showwarning
        warnings.showwarning = self._show
        # What CoroutineMock calls hand out in the test's context.
        self._collector = tracking.open_collector(watch.context)

    def _show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if category is RuntimeWarning and _UNAWAITED.match(str(message)):
            where = f"{report.short_path(filename)}:{lineno}"
            self._dropped.append(f"{message} (dropped at {where})")
        else:
            self._forward(message, category, filename, lineno, file, line)

    def findings(self) -> list[str]:
        lines = list(self._dropped)
        for tracked in tracking.close_collector(self._collector):
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
        tracking.close_collector(self._collector)  # if findings() never ran
        if self._catcher is not None:
            self._catcher.__exit__(None, None, None)
            self._catcher = None
