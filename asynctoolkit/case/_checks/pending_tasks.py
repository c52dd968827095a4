"""``pending_tasks``: a task the test started and never finished."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from asynctoolkit._shared import report
from asynctoolkit.case._checks._base import Check, Settle, Watch, indent
from asynctoolkit.helpers import exhaust_callbacks

__all__: list[str] = []


class PendingTasks(Check):
    name = "pending_tasks"
    default = True
    fails_a_test_that = "leaves a task pending (it is cancelled after the report)"
    uses_created_tasks = True

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        # A fresh loop has no task yet: no need to list them.
        self._before: set[asyncio.Task[Any]] = (
            set() if watch.fresh else asyncio.all_tasks(self.loop)
        )
        self._found = ""
        watch.record_tasks()

    def finish(self, settle: Settle) -> None:
        leftover = self._leftover()
        if leftover:
            # A cleanup may have just cancelled them: let those requests land.
            with contextlib.suppress(RuntimeError):
                settle(exhaust_callbacks())
            leftover = self._leftover()
        if leftover:
            text = report.describe_tasks(leftover)
            for task in leftover:
                task.cancel()
            settle(asyncio.wait(leftover))
            self._found = (
                f"pending_tasks: {len(leftover)} task(s) still pending at the end of the test "
                "(they were cancelled); await them, cancel them in tearDown/addCleanup, "
                "or turn the check off with @fail_on(pending_tasks=False):\n" + indent(text)
            )
        self.watch.tasks_cleared = not self._before

    def findings(self) -> list[str]:
        return [self._found] if self._found else []

    def _leftover(self) -> set[asyncio.Task[Any]]:
        pending = asyncio.all_tasks(self.loop)  # only tasks not done
        return pending - self._before if self._before else pending
