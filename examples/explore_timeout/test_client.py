"""Tests of the client's timeout, explored: ``asynctoolkit.explore`` finds the bug of ``client.py``.

What to notice:
- ``FakeServer`` plays the transport and the server on plain asyncio: a
  reply comes back through ``loop.call_later``, after a delay the test
  chooses.  The tests put replies just before and just after the deadline,
  where timeout bugs live;
- ``ClientTests`` are ordinary virtual-time tests (``ClockedTestCase`` with
  ``autojump``: time jumps to the next timer whenever every task waits).  On
  the buggy client they pass: the clock wakes exactly when each timer is due,
  so the reply (due at 0.995 s) resumes the caller before the deadline (1 s);
- ``@asynctoolkit.explore`` runs each test 100 times, each on its own seed.
  The seed decides how late the loop wakes for each timer, up to 10 ms by
  default, as a busy production loop would: some seeds wake past 1 s for the
  reply's timer, and the timeout's callback runs in the same iteration, before
  the caller resumes.  A failing run fails the test, naming its seed, a line
  that replays it, and the choices the seed made.  The delays must fall within
  ``jitter`` of each other for this: 5 ms here, under the default 10 ms;
- ``FixedClientTest`` is how such a test is normally written: explored,
  passing every seed;
- ``ExploreFindsTheBugTest`` shows what exploring the buggy client reports
  (a test suite normally has no such test: it runs an explored test inside a
  test, through unittest's API, so that this suite passes while showing a
  failure), then replays the seed on both clients.
"""

from __future__ import annotations

import asyncio
import os
import re
import unittest
from typing import TYPE_CHECKING, Any

import asynctoolkit
from explore_timeout import client, client_fixed

#: Every call's timeout, in (virtual) seconds.
TIMEOUT = 1.0
#: How far from the deadline the tests put a reply: under explore's default jitter (10 ms).
NEAR = 0.005


class FakeServer:
    """The transport and the server: replies ``REQUEST.upper()`` after ``delay`` seconds.

    With ``delay=None`` the server never replies.
    """

    def __init__(self, delay: float | None) -> None:
        self.delay = delay
        self.deliver: Any = None  # the client's reply_received

    def send(self, call_id: int, request: str) -> None:
        if self.delay is not None:
            loop = asyncio.get_running_loop()
            loop.call_later(self.delay, self.deliver, call_id, request.upper())


# A mixin: a ClockedTestCase to a type checker, a plain class (which discovery skips) at run time.
if TYPE_CHECKING:
    _Base = asynctoolkit.ClockedTestCase
else:
    _Base = object


class ClientTests(_Base):
    """The tests of a client, written once; each class below says which client."""

    client_class: Any  # client.Client or client_fixed.Client
    autojump = True

    def connect(self, server: FakeServer) -> Any:
        the_client = self.client_class(server.send, timeout=TIMEOUT)
        server.deliver = the_client.reply_received
        return the_client

    async def test_a_reply_just_before_the_deadline_is_a_success(self) -> None:
        the_client = self.connect(FakeServer(delay=TIMEOUT - NEAR))
        self.assertEqual(await the_client.call("ping"), "PING")
        self.assertEqual(the_client.timeouts, 0)
        self.assertTrue(the_client.healthy)

    async def test_a_reply_just_after_the_deadline_is_a_timeout(self) -> None:
        the_client = self.connect(FakeServer(delay=TIMEOUT + NEAR))
        await self.assertAsyncRaises(TimeoutError, the_client.call("ping"))
        self.assertEqual(the_client.timeouts, 1)
        await asyncio.sleep(TIMEOUT)  # the late reply arrives, and is dropped
        self.assertEqual(the_client.timeouts, 1)

    async def test_timeouts_in_a_row_make_the_client_unhealthy(self) -> None:
        the_client = self.connect(FakeServer(delay=None))
        for _ in range(the_client.max_timeouts):
            self.assertTrue(the_client.healthy)
            await self.assertAsyncRaises(TimeoutError, the_client.call("ping"))
        self.assertFalse(the_client.healthy)


@asynctoolkit.explore  # bare: the defaults (100 seeds, jitter 10 ms)
class FixedClientTest(ClientTests, asynctoolkit.ClockedTestCase):
    client_class = client_fixed.Client


# -- what exploring the buggy client reports -------------------------------------------------


def case_for(client_class: type, name: str) -> type[asynctoolkit.ClockedTestCase]:
    """``ClientTests`` on ``client_class`` (made here: discovery must not run the buggy one)."""
    return type(name, (ClientTests, asynctoolkit.ClockedTestCase), {"client_class": client_class})


def run(case_class: type[unittest.TestCase], name: str) -> tuple[bool, str]:
    """Run one test in-process: did it pass, and the text of its failures."""
    result = unittest.TestResult()
    case_class(name).run(result)
    text = "\n".join(report for _, report in [*result.failures, *result.errors])
    return result.wasSuccessful(), text


TEST = "test_a_reply_just_before_the_deadline_is_a_success"


class ExploreFindsTheBugTest(unittest.TestCase):
    def test_ordinary_runs_miss_the_bug(self) -> None:
        buggy = case_for(client.Client, "BuggyClientTest")
        passed, report = run(buggy, TEST)
        self.assertTrue(passed, report)

    @unittest.skipIf(os.environ.get("ASYNCTOOLKIT_SEED"), "a replayed seed explores nothing")
    def test_explore_reports_a_failing_seed_and_its_replay(self) -> None:
        buggy = asynctoolkit.explore(case_for(client.Client, "BuggyClientTest"))
        passed, report = run(buggy, TEST)
        self.assertFalse(passed)
        # The report names the seed and how to replay it...
        found = re.search(r"explore: seed (\d+) fails this test", report)
        assert found is not None, report
        seed = int(found[1])
        self.assertIn(f"Replay it with @explore(seed={seed})", report)
        self.assertIn(f"ASYNCTOOLKIT_SEED={seed} python -m asynctoolkit", report)
        # ...and the choices that seed made: for the reply's timer (due at
        # 0.995 s), the loop woke more than 5 ms late, past the deadline.
        late = re.search(r"t=0\.995: wake (\S+) ms late", report)
        assert late is not None, report
        self.assertGreaterEqual(float(late[1]), NEAR * 1e3)
        # What went wrong: the timeout was counted for a call that succeeded,
        # and the timeout handler crashed half-way (the unhandled_exceptions
        # check reports its InvalidStateError).
        self.assertIn("AssertionError: 1 != 0", report)
        self.assertIn("InvalidStateError", report)

        # Replaying the seed fails again, with the same choices...
        replay = asynctoolkit.explore(seed=seed)(case_for(client.Client, "Replay"))
        passed, replayed = run(replay, TEST)
        self.assertFalse(passed)
        self.assertEqual(choices_of(replayed), choices_of(report))
        # ...and the fixed client passes it.
        fixed = asynctoolkit.explore(seed=seed)(case_for(client_fixed.Client, "Fixed"))
        passed, report = run(fixed, TEST)
        self.assertTrue(passed, report)


def choices_of(report: str) -> list[str]:
    """The trace lines of a failure report (``  t=...: ...``)."""
    return [line for line in report.splitlines() if line.startswith("  t=")]
