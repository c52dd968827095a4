"""Tests of two gRPC clients, explored: ``asynctoolkit.explore`` finds what ordinary runs miss.

What to notice:
- the tests run the clients against the real ``Greeter`` servicer over
  ``rpc.connect``, on virtual time (``autojump``: the messages' latency is
  virtual time, so the clock must move by itself);
- ``@asynctoolkit.explore`` runs each test 100 times, one seed each.  In the
  rpc doubles the seed decides each message's latency (``latency``, 0 to
  10 ms by default): one call's messages keep their order, but replies to
  different calls may overtake each other.  With ``faults`` above 0 it also
  injects what real networks do: a call failing UNAVAILABLE before it
  reaches the server, a stream reset part-way;
- the fixed clients' tests are explored and pass every seed; the classes
  that show the buggy clients failing run their explored tests through
  unittest's API, only so that this example suite passes while showing a
  failure.
"""

from __future__ import annotations

import os
import re
import unittest
from typing import Any

from greeter._generated import GREETER
from greeter.servicer import Greeter

import asynctoolkit
from asynctoolkit import rpc
from explore_rpc import batch, batch_fixed, once, once_fixed

TOKEN = "s3cret"
NAMES = ["Ada", "Grace", "Alan", "Edsger"]


def batch_case(module: Any) -> type[asynctoolkit.ClockedTestCase]:
    """The batch test on ``module``'s ``greet_all`` (made here: discovery must not run it)."""

    class BatchTest(asynctoolkit.ClockedTestCase):
        autojump = True

        async def test_each_name_gets_its_own_greeting(self) -> None:
            async with rpc.connect({GREETER: Greeter(TOKEN)}) as channel:
                greetings = await module.greet_all(channel, TOKEN, NAMES)
            self.assertEqual(greetings, {name: f"Hello, {name}!" for name in NAMES})

    return BatchTest


def once_case(module: Any) -> type[asynctoolkit.ClockedTestCase]:
    """The single-call test on ``module``'s ``hello``."""

    class OnceTest(asynctoolkit.ClockedTestCase):
        autojump = True

        async def test_a_greeting_despite_a_flaky_network(self) -> None:
            async with rpc.connect({GREETER: Greeter(TOKEN)}) as channel:
                self.assertEqual(await module.hello(channel, TOKEN, "Ada"), "Hello, Ada!")

    return OnceTest


# The fixed clients: explored, with the defaults (and faults on for the network's blinks).
FixedBatchTest = asynctoolkit.explore(batch_case(batch_fixed))
FixedOnceTest = asynctoolkit.explore(faults=0.2)(once_case(once_fixed))


def run(case_class: type[unittest.TestCase], name: str) -> tuple[bool, str]:
    """Run one test in-process: did it pass, and the text of its failures."""
    result = unittest.TestResult()
    case_class(name).run(result)
    text = "\n".join(report for _, report in [*result.failures, *result.errors])
    return result.wasSuccessful(), text


def failing_seed(report: str) -> int:
    found = re.search(r"explore: seed (\d+) fails this test", report)
    assert found is not None, report
    return int(found[1])


class ExploreFindsTheBugsTest(unittest.TestCase):
    def test_ordinary_runs_miss_both_bugs(self) -> None:
        passed, report = run(batch_case(batch), "test_each_name_gets_its_own_greeting")
        self.assertTrue(passed, report)  # every reply takes no time: they come in order
        passed, report = run(once_case(once), "test_a_greeting_despite_a_flaky_network")
        self.assertTrue(passed, report)  # nothing ever fails

    @unittest.skipIf(os.environ.get("ASYNCTOOLKIT_SEED"), "a replayed seed explores nothing")
    def test_latency_finds_the_client_that_pairs_replies_by_arrival(self) -> None:
        name = "test_each_name_gets_its_own_greeting"
        passed, report = run(asynctoolkit.explore(batch_case(batch)), name)
        self.assertFalse(passed)
        seed = failing_seed(report)
        # The trace shows the replies' latencies: a later call's came first.
        self.assertRegex(report, r"rpc #\d+ /asynctoolkit.examples.greeter.Greeter/SayHello")
        # The fixed client passes that seed.
        fixed = asynctoolkit.explore(seed=seed)(batch_case(batch_fixed))
        passed, report = run(fixed, name)
        self.assertTrue(passed, report)

    @unittest.skipIf(os.environ.get("ASYNCTOOLKIT_SEED"), "a replayed seed explores nothing")
    def test_faults_find_the_client_that_never_retries(self) -> None:
        name = "test_a_greeting_despite_a_flaky_network"
        passed, report = run(asynctoolkit.explore(faults=0.2)(once_case(once)), name)
        self.assertFalse(passed)
        seed = failing_seed(report)
        self.assertIn("injected fault UNAVAILABLE", report)
        self.assertIn("StatusCode.UNAVAILABLE", report)
        fixed = asynctoolkit.explore(seed=seed, faults=0.2)(once_case(once_fixed))
        passed, report = run(fixed, name)
        self.assertTrue(passed, report)
