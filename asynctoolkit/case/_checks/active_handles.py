"""``active_handles``: a callback or timer left scheduled on the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit.case import _loops
from asynctoolkit.case._checks._base import Check, Settle, Watch, indent

__all__: list[str] = []


class ActiveHandles(Check):
    __slots__ = ("_before", "_found")
    name = "active_handles"
    default = False
    fails_a_test_that = "leaves callbacks or timers scheduled"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._before = {id(h) for h in self._handles()}
        self._found: list[str] = []

    def finish(self, settle: Settle) -> None:
        handles = [h for h in self._handles() if not h.cancelled() and id(h) not in self._before]
        self._found = [report.describe_handle(h) for h in handles]
        for handle in handles:
            handle.cancel()

    def findings(self) -> list[str]:
        if not self._found:
            return []
        return [
            "active_handles: callbacks still scheduled at the end of the test (they were "
            "cancelled); cancel the timers you start (keep the handle of call_later/call_at "
            "and call its cancel()), and let ready callbacks run before the test ends "
            "(await asynctoolkit.exhaust_callbacks(loop)):\n" + indent("\n".join(self._found))
        ]

    def _handles(self) -> Iterator[asyncio.Handle]:
        loop = self.loop
        yield from asyncio_details.ready_handles(loop)
        if _loops.is_clocked(loop):
            # Its whole timer queue (asyncio's heap stays empty).
            yield from loop.pending_timers()  # type: ignore[attr-defined]
        else:
            yield from asyncio_details.scheduled_timers(loop)
