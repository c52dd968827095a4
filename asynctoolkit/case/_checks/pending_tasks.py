"""``pending_tasks``: a task the test started and never finished."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Set as AbstractSet
from typing import Any

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit.case import _loops
from asynctoolkit.case._checks._base import Check, Settle, Watch, indent

__all__: list[str] = []


class PendingTasks(Check):
    __slots__ = ("_before", "_found")
    name = "pending_tasks"
    default = True
    fails_a_test_that = "leaves a task pending (it is cancelled after the report)"
    uses_created_tasks = True

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        # A fresh loop has no task yet: no need to list them (bench/bench_case.py).
        self._before: AbstractSet[asyncio.Task[Any]] = (
            _NO_TASKS if watch.fresh else asyncio.all_tasks(self.loop)
        )
        self._found: list[str] = []
        watch.record_tasks()

    def finish(self, settle: Settle) -> None:
        if not self._before and not asyncio_details.maybe_live_tasks():
            # No task alive in the process: nothing to list (bench/bench_case.py).
            self.watch.tasks_cleared = True
            return
        leftover = self._leftover()
        if leftover:
            # A cleanup may have just cancelled them: let those requests land.
            # (Imported here: most runs never leave a task, bench/bench_pytest.py.)
            from asynctoolkit.helpers import exhaust_callbacks

            with contextlib.suppress(RuntimeError):
                settle(exhaust_callbacks())
            leftover = self._leftover()
        if leftover:
            self._report(leftover, settle)
        self.watch.tasks_cleared = not self._before

    def _report(self, leftover: set[asyncio.Task[Any]], settle: Settle) -> None:
        # Described before they are cancelled, where they are stuck.
        cancelled = {t for t in leftover if _cancel_requested(t)}
        forgotten = leftover - cancelled
        if forgotten:
            self._found.append(
                f"pending_tasks: {len(forgotten)} task(s) still pending at the end of the test "
                "(they were cancelled); await them, cancel them in tearDown/addCleanup, "
                "or turn the check off with @fail_on(pending_tasks=False):\n"
                + indent(report.describe_tasks(forgotten))
            )
        if cancelled:
            self._found.append(
                f"pending_tasks: {len(cancelled)} task(s) were cancelled during the test but "
                "had not finished by its end; await a task after cancelling it (in the "
                "cleanup that cancels it), so that the test ends after it:\n"
                + indent(report.describe_tasks(cancelled))
            )
        for task in leftover:
            task.cancel()
        wait = self.watch.cancel_wait
        try:
            stubborn = _loops.wait_cancelled(self.loop, leftover, settle, wait)
        except BaseException:  # the test's own time limit cut the wait short
            for task in leftover:
                if not task.done():
                    asyncio_details.forget_pending_task(task)
            raise
        if stubborn:
            self._found.append(
                f"pending_tasks: {len(stubborn)} task(s) ignored their cancellation: still "
                f"running {wait:g}s after it (real time; TestCase.cancel_wait), they were "
                "dropped. A task that catches CancelledError must end soon after, "
                "re-raising it:\n" + indent(report.describe_tasks(stubborn))
            )
            for task in stubborn:
                asyncio_details.forget_pending_task(task)

    def findings(self) -> list[str]:
        return self._found

    def _leftover(self) -> set[asyncio.Task[Any]]:
        pending = asyncio_details.pending_tasks(self.loop)  # all_tasks(), faster
        return pending - self._before if self._before else pending


_NO_TASKS: frozenset[asyncio.Task[Any]] = frozenset()


def _cancel_requested(task: asyncio.Task[Any]) -> bool:
    # On Python 3.10, the checks' own task class remembers cancel() calls.
    return asyncio_details.cancel_requested(task) or getattr(task, "cancel_requested", False)
