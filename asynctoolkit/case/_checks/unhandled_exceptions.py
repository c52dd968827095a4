"""``unhandled_exceptions``: an error that reached the loop's exception handler."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Mapping
from typing import Any

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit.case._checks._base import Check, Settle, Watch, indent

__all__: list[str] = []


class UnhandledExceptions(Check):
    __slots__ = ()
    name = "unhandled_exceptions"
    default = True
    fails_a_test_that = (
        "lets an exception reach the loop's exception handler (a failing callback, "
        "a task exception never retrieved)"
    )
    uses_created_tasks = True

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        watch.record_tasks()
        watch.record_exceptions()

    def finish(self, settle: Settle) -> None:
        # A finished task whose exception nobody retrieved would only be
        # logged when collected, maybe after the run: report it now, as the
        # loop would, and mark it retrieved.
        for task in asyncio_details.never_retrieved(self.watch.created):
            if task.done():
                self.watch.exceptions.append(
                    {
                        "message": "Task exception was never retrieved",
                        "exception": task.exception(),
                        "future": task,
                    }
                )

    def findings(self) -> list[str]:
        # Read last: what the other checks' wrap-up (a garbage collection)
        # sent to the handler counts too.
        if not self.watch.exceptions:
            return []
        blocks = [_describe(context) for context in self.watch.exceptions]
        return [
            f"unhandled_exceptions: {len(blocks)} error(s) reached the event loop's exception "
            "handler during the test (an exception in a callback, or a task whose exception "
            "was never retrieved):\n" + indent("\n".join(blocks))
        ]


def _describe(context: Mapping[str, Any]) -> str:
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
