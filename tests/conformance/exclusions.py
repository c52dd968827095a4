"""The asyncio tests not run on our loops, each with its reason.

Keys are ``fnmatch`` patterns of test ids (``test.test_asyncio.MODULE.CLASS.TEST``).
"""

from __future__ import annotations

import fnmatch
import sys

#: Tests left out on every loop.
EVERY_LOOP: dict[str, str] = {}

#: Tests left out on ``ClockedEventLoop(autojump=True)``.
CLOCKED: dict[str, str] = {}

#: Tests left out when asyncio's ``TestLoop`` is replaced by a clocked loop.
VIRTUAL_TEST_LOOP: dict[str, str] = {
    "test.test_asyncio.test_tasks.*.test_stop_while_run_in_complete": (
        "asserts a TestLoop artefact: TestLoop moves time as soon as a timer is scheduled "
        "(its generator answers each new timer with a step), so after loop.stop() at "
        "t=0.2 it already reads 0.3; any real loop, and the clock, stop at 0.2"
    ),
}

if sys.version_info < (3, 11):  # the test changed in 3.11 and passes since
    VIRTUAL_TEST_LOOP["test.test_asyncio.test_queues.QueueGetTests.test_get_cancelled"] = (
        "asserts a TestLoop artefact: the wait_for timer set at t=0.01 makes TestLoop's "
        "script step to t=0.06 at once, so the test reads 0.06 after a get that completed "
        "at t=0.01; the clock, like any real loop, reads 0.01"
    )

#: Tests left out on the selector loop over ``TestSelector``.
SELECTOR: dict[str, str] = {}


def reason(loop: str, test_id: str, *, virtual_test_loop: bool) -> str | None:
    """Why ``test_id`` is not run on ``loop``, or None if it is run."""
    tables = [EVERY_LOOP, CLOCKED if loop == "clocked" else SELECTOR]
    if loop == "clocked" and virtual_test_loop:
        tables.append(VIRTUAL_TEST_LOOP)
    for table in tables:
        for pattern, why in table.items():
            if fnmatch.fnmatchcase(test_id, pattern):
                return why
    return None
